// Checks OpenTofu resource blocks (as @cdktf/hcl2json parses them) against a provider
// schema derived from the provider's Go source (test/fixtures/verda-provider/). Pure: it
// returns the problems found, each naming the path of the offending attribute.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";

export interface SchemaAttr {
  type: string;
  required?: boolean;
  optional?: boolean;
  computed?: boolean;
  description?: string;
  attributes?: Record<string, SchemaAttr>;
  validators?: string[];
}

export interface ProviderSchema {
  provider: string;
  tag: string;
  version: string;
  commit: string;
  registeredResources: string[];
  resources: Record<
    string,
    {
      file: string;
      updateSupported: boolean;
      attributes: Record<string, SchemaAttr>;
      readBack?: Record<string, string>;
    }
  >;
  validators: {
    volumeMountValidator: {
      types: string[];
      forbids: Record<string, string[]>;
      requires: Record<string, string[]>;
    };
  };
}

type Json = Record<string, unknown>;

export interface Module {
  locals: Json;
  variables: Record<string, Json>;
  resources: Record<string, Record<string, Json>>;
  terraform: Json[];
}

export async function parseModule(dir: string): Promise<Module> {
  const mod: Module = { locals: {}, variables: {}, resources: {}, terraform: [] };
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".tf"))) {
    const doc = (await parse(file, readFileSync(path.join(dir, file), "utf8"))) as Json;
    for (const block of (doc.locals as Json[] | undefined) ?? []) Object.assign(mod.locals, block);
    for (const [name, blocks] of Object.entries((doc.variable as Record<string, Json[]>) ?? {}))
      mod.variables[name] = blocks[0]!;
    for (const [type, byName] of Object.entries(
      (doc.resource as Record<string, Record<string, Json[]>>) ?? {},
    ))
      for (const [name, blocks] of Object.entries(byName)) (mod.resources[type] ??= {})[name] = blocks[0]!;
    mod.terraform.push(...((doc.terraform as Json[] | undefined) ?? []));
  }
  return mod;
}

/** Values a description enumerates, e.g. "Type of environment variable ('plain' or 'secret')". */
export function documentedValues(description: string | undefined): string[] | undefined {
  const m = /\(('[^']+'(?:\s*(?:,|or)\s*'[^']+')+)\)/.exec(description ?? "");
  return m ? [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!) : undefined;
}

const isExpression = (v: unknown) => typeof v === "string" && v.includes("${");
const LOCAL_REF = /local\.([a-z0-9_]+)/g;

/** The literal lists an expression like `${concat(local.a, local.b)}` is built from. */
function resolveLists(value: unknown, mod: Module, seen = new Set<string>()): unknown[][] {
  if (Array.isArray(value)) return [value];
  if (typeof value !== "string") return [];
  const lists: unknown[][] = [];
  for (const [, name] of value.matchAll(LOCAL_REF)) {
    if (seen.has(name!)) continue;
    seen.add(name!);
    lists.push(...resolveLists(mod.locals[name!], mod, seen));
  }
  return lists;
}

/** An expression that is exactly one local (`${local.x}`) resolves to that local's literal. */
function resolveLocal(value: unknown, mod: Module): unknown {
  const m = typeof value === "string" ? /^\$\{local\.([a-z0-9_]+)\}$/.exec(value) : null;
  return m && m[1]! in mod.locals ? resolveLocal(mod.locals[m[1]!], mod) : value;
}

function checkValue(
  at: string,
  attr: SchemaAttr,
  raw: unknown,
  schema: ProviderSchema,
  mod: Module,
  out: string[],
) {
  const value = resolveLocal(raw, mod);
  if (isExpression(value)) {
    if (attr.type === "list_nested") {
      const lists = resolveLists(value, mod);
      if (lists.length === 0)
        out.push(`${at}: the expression ${String(value)} names no literal list to check`);
      for (const list of lists) checkValue(at, attr, list, schema, mod, out);
    }
    return; // a computed value: its type is checked by tofu at plan time
  }
  switch (attr.type) {
    case "string":
      if (typeof value !== "string") out.push(`${at}: expected a string, got ${JSON.stringify(value)}`);
      else {
        const allowed = documentedValues(attr.description);
        if (allowed && !allowed.includes(value))
          out.push(`${at}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
      }
      break;
    case "int64":
    case "float64":
      if (typeof value !== "number") out.push(`${at}: expected a number, got ${JSON.stringify(value)}`);
      break;
    case "bool":
      if (typeof value !== "boolean") out.push(`${at}: expected a bool, got ${JSON.stringify(value)}`);
      break;
    case "list(string)":
      if (!Array.isArray(value)) out.push(`${at}: expected a list of strings`);
      break;
    case "single_nested":
      if (typeof value !== "object" || value === null || Array.isArray(value))
        out.push(`${at}: expected an object`);
      else checkObject(at, attr.attributes ?? {}, value as Json, schema, mod, out, attr.validators);
      break;
    case "list_nested":
      if (!Array.isArray(value)) out.push(`${at}: expected a list of objects`);
      else
        value.forEach((item, i) =>
          checkObject(`${at}[${i}]`, attr.attributes ?? {}, item as Json, schema, mod, out, attr.validators),
        );
      break;
    default:
      out.push(`${at}: the schema has an unknown type ${attr.type}`);
  }
}

function checkObject(
  at: string,
  attrs: Record<string, SchemaAttr>,
  value: Json,
  schema: ProviderSchema,
  mod: Module,
  out: string[],
  validators: string[] = [],
) {
  for (const [name, v] of Object.entries(value)) {
    const attr = attrs[name];
    if (!attr) {
      out.push(`${at}.${name}: not an attribute of the provider (known: ${Object.keys(attrs).join(", ")})`);
      continue;
    }
    if (attr.computed && !attr.optional && !attr.required)
      out.push(`${at}.${name}: computed by the provider, cannot be set`);
    checkValue(`${at}.${name}`, attr, v, schema, mod, out);
  }
  for (const [name, attr] of Object.entries(attrs))
    if (attr.required && !(name in value)) out.push(`${at}.${name}: required by the provider, missing`);
  if (validators.includes("volumeMountValidator")) checkVolumeMount(at, value, schema, out);
}

function checkVolumeMount(at: string, mount: Json, schema: ProviderSchema, out: string[]) {
  const rules = schema.validators.volumeMountValidator;
  const type = mount.type;
  if (typeof type !== "string" || isExpression(type)) return;
  if (!rules.types.includes(type)) {
    out.push(`${at}.type: volume type must be one of ${rules.types.join(", ")}, got ${JSON.stringify(type)}`);
    return;
  }
  for (const f of rules.forbids[type] ?? [])
    if (f in mount) out.push(`${at}.${f}: not allowed for '${type}' volumes`);
  for (const f of rules.requires[type] ?? [])
    if (!(f in mount)) out.push(`${at}.${f}: required for '${type}' volumes`);
}

/** Every problem of the module's resources against the schema (an empty list: it matches). */
export function checkModule(mod: Module, schema: ProviderSchema): string[] {
  const out: string[] = [];
  for (const [type, byName] of Object.entries(mod.resources)) {
    const res = schema.resources[type];
    if (!res) {
      out.push(
        `${type}: not a resource of ${schema.provider} ${schema.tag} (it has ${Object.keys(schema.resources).join(", ")})`,
      );
      continue;
    }
    for (const [name, block] of Object.entries(byName)) {
      const body = Object.fromEntries(
        Object.entries(block).filter(
          ([k]) => !["count", "for_each", "depends_on", "lifecycle", "provider"].includes(k),
        ),
      );
      checkObject(`${type}.${name}`, res.attributes, body, schema, mod, out);
    }
  }
  return out;
}
