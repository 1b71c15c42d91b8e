// Derives the resource schemas of the Verda OpenTofu provider from its Go source at a tag,
// for test/fixtures/verda-provider/ (the test of deploy/verda checks every attribute used
// there against it). Reads the provider's own `Schema` functions, its validators and its
// read-back code; nothing is typed in by hand except where the comments below say so.
//
//   git clone https://github.com/verda-cloud/terraform-provider-verda /tmp/tpv
//   npx tsx scripts/derive-verda-schema.ts /tmp/tpv v1.1.1 > test/fixtures/verda-provider/schema-v1.1.1.json
import { execFileSync } from "node:child_process";

type Attr = {
  type: string;
  required?: true;
  optional?: true;
  computed?: true;
  sensitive?: true;
  requiresReplace?: true;
  description?: string;
  attributes?: Record<string, Attr>;
  validators?: string[];
};

const [repo, tag] = process.argv.slice(2);
if (!repo || !tag) {
  process.stderr.write("usage: derive-verda-schema.ts <provider checkout> <tag>\n");
  process.exit(2);
}
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
const show = (file: string) => git("show", `${tag}:${file}`);

/** The text between the `{` at `open` and its matching `}` (Go strings and comments skipped). */
function block(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "`") {
      i = text.indexOf("`", i + 1);
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
    } else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces at ${open}`);
}

/** Splits a composite literal's body at top-level commas. */
function fields(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"') {
      for (i++; body[i] !== '"'; i++) if (body[i] === "\\") i++;
    } else if (c === "`") i = body.indexOf("`", i + 1);
    else if (c === "/" && body[i + 1] === "/") i = body.indexOf("\n", i);
    else if (c === "{" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ")" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      out.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = body.slice(start).trim();
  if (last) out.push(last);
  return out.map((f) => f.replace(/^(\s*\/\/[^\n]*\n)+/, "").trim()).filter(Boolean);
}

const KINDS: Record<string, string> = {
  StringAttribute: "string",
  Int64Attribute: "int64",
  Float64Attribute: "float64",
  BoolAttribute: "bool",
  ListAttribute: "list",
  SingleNestedAttribute: "single_nested",
  ListNestedAttribute: "list_nested",
};

/** Parses `map[string]schema.Attribute{ "name": schema.XAttribute{...}, ... }`'s body. */
function parseAttributes(body: string): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  for (const entry of fields(body)) {
    const m = /^"([a-z0-9_]+)":\s*schema\.(\w+)\{/s.exec(entry);
    if (!m) throw new Error(`not an attribute entry: ${entry.slice(0, 80)}`);
    const kind = KINDS[m[2]!];
    if (!kind) throw new Error(`unknown attribute kind ${m[2]}`);
    out[m[1]!] = parseAttribute(kind, block(entry, entry.indexOf("{")));
  }
  return out;
}

function parseAttribute(kind: string, body: string): Attr {
  const attr: Attr = { type: kind };
  for (const f of fields(body)) {
    const [key, ...rest] = f.split(":");
    const value = rest.join(":").trim();
    switch (key!.trim()) {
      case "Required":
        if (value === "true") attr.required = true;
        break;
      case "Optional":
        if (value === "true") attr.optional = true;
        break;
      case "Computed":
        if (value === "true") attr.computed = true;
        break;
      case "Sensitive":
        if (value === "true") attr.sensitive = true;
        break;
      case "MarkdownDescription":
        attr.description = JSON.parse(value) as string;
        break;
      case "ElementType":
        attr.type = `list(${value.replace(/^types\.(\w+)Type$/, "$1").toLowerCase()})`;
        break;
      case "PlanModifiers":
        if (value.includes("RequiresReplace()")) attr.requiresReplace = true;
        break;
      case "Attributes":
        attr.attributes = parseAttributes(block(value, value.indexOf("{")));
        break;
      case "NestedObject": {
        const inner = block(value, value.indexOf("{"));
        for (const g of fields(inner)) {
          const [k, ...r] = g.split(":");
          const v = r.join(":").trim();
          if (k!.trim() === "Attributes") attr.attributes = parseAttributes(block(v, v.indexOf("{")));
          if (k!.trim() === "Validators")
            attr.validators = [...v.matchAll(/(\w+Validator)\{\}/g)].map((x) => x[1]!);
        }
        break;
      }
      case "Validators":
        attr.validators = [...value.matchAll(/(\w+Validator)\{\}/g)].map((x) => x[1]!);
        break;
      default:
        throw new Error(`unknown attribute field ${key}`);
    }
  }
  return attr;
}

/** The resource's type name, its attributes, and what its Update and read-back do. */
function parseResource(file: string, text: string) {
  const suffix = /req\.ProviderTypeName \+ "(_[a-z_]+)"/.exec(text)?.[1];
  const schemaAt = text.indexOf("resp.Schema = schema.Schema{");
  if (!suffix || schemaAt < 0) return undefined;
  const top = block(text, text.indexOf("{", schemaAt));
  const attrsAt = top.indexOf("Attributes: map[string]schema.Attribute{");
  const attributes = parseAttributes(
    block(top, top.indexOf("{", attrsAt + "Attributes: map[string]schema.Attribute".length)),
  );
  // tfsdk tags map Go model fields to attribute names, for the read-back below.
  const tags = Object.fromEntries(
    [...text.matchAll(/(\w+)\s+types\.\w+\s+`tfsdk:"([a-z0-9_]+)"`/g)].map((m) => [m[1]!, m[2]!]),
  );
  // Attributes whose value is read back from the API field of another one (a plan that sets
  // them differently never converges).
  const readBack: Record<string, string> = {};
  for (const m of text.matchAll(/"([a-z0-9_]+)":\s*types\.Int64Value\(int64\(\w+\.(\w+)\)\)/g)) {
    const from = tags[m[2]!];
    if (from && from !== m[1]) readBack[m[1]!] = from;
  }
  return {
    type: `verda${suffix}`,
    file,
    updateSupported: !/"Update Not Supported"/.test(text),
    attributes,
    ...(Object.keys(readBack).length ? { readBack } : {}),
  };
}

const commit = git("rev-list", "-n", "1", tag).trim();
const files = git("ls-tree", "--name-only", tag, "internal/provider/")
  .split("\n")
  .filter((f) => /^internal\/provider\/resource_[a-z_]+\.go$/.test(f));
const provider = show("internal/provider/provider.go");
const registered = [
  ...block(provider, provider.indexOf("{", provider.indexOf(") Resources(ctx"))).matchAll(
    /New(\w+)Resource,/g,
  ),
].map((m) => m[1]!);
const resources: Record<string, unknown> = {};
for (const file of files) {
  const parsed = parseResource(file, show(file));
  if (parsed) resources[parsed.type] = parsed;
}
// validators.go's volumeMountValidator: the mount types it accepts (its switch cases). The
// per-type field rules are the ones its cases enforce, transcribed here with its messages.
const validators = show("internal/provider/validators.go");
const mountTypes = [...validators.matchAll(/case "([a-z]+)":/g)].map((m) => m[1]!);
const schema = {
  provider: "registry.opentofu.org/verda-cloud/verda",
  source: "github.com/verda-cloud/terraform-provider-verda",
  tag,
  version: tag.replace(/^v/, ""),
  commit,
  derivedBy: "scripts/derive-verda-schema.ts",
  registeredResources: registered,
  resources,
  validators: {
    volumeMountValidator: {
      file: "internal/provider/validators.go",
      types: mountTypes,
      forbids: {
        scratch: ["secret_name", "volume_id"],
        memory: ["secret_name", "volume_id"],
        secret: ["size_in_mb", "volume_id"],
        shared: ["secret_name", "size_in_mb"],
      },
      requires: { secret: ["secret_name"], shared: ["volume_id"] },
    },
  },
};
process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
