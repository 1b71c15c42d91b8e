// Decodes YAML nodes into container-structure-test's structs with gopkg.in/yaml.v2's
// rules (decode.go, v2.4.0), strict as yaml.UnmarshalStrict is for the full parse: an
// unknown or repeated field is an error, `<<` merges a mapping (or a list of them,
// earlier ones winning) into the struct being decoded, any scalar but null decodes into
// a string field as its text, a float truncates into an int, and null leaves a zero value.
import type { GoNode } from "./go-nodes.js";
import {
  GoDecodeAbort,
  goTypeName,
  isStruct,
  joinPath,
  MAX_INT64,
  opaqueIssue,
  zeroValue,
  type DecodeIssue,
  type GoStruct,
  type GoType,
  type GoValue,
} from "./go-types.js";
import { describeScalar, floatToInt, resolveScalar, TAG } from "./go-yaml-resolve.js";

type Scalar = Extract<GoNode, { kind: "scalar" }>;

class YamlDecoder {
  readonly issues: DecodeIssue[] = [];
  private readonly active = new Set<GoNode>();
  constructor(private readonly strict: boolean) {}

  private terror(n: GoNode, tag: string, type: GoType, path: string): void {
    const shown = n.kind === "scalar" ? describeScalar(n.tag || tag, n.value) : describeScalar(tag, "");
    this.issues.push({
      line: n.line,
      path,
      message: `cannot unmarshal ${shown} into ${goTypeName(type)}`,
    });
  }

  /** yaml.v2's prepare(): null-looking scalars skip pointer allocation and UnmarshalYAML. */
  private static isNullish(n: GoNode): boolean {
    if (n.kind !== "scalar") return false;
    if (n.tag === TAG.null) return true;
    return n.tag === "" && (n.value === "null" || n.value === "~" || (n.value === "" && n.implicit));
  }

  decode(n: GoNode, type: GoType, current: GoValue, path: string): GoValue {
    if (n.kind === "alias") {
      if (this.active.has(n)) throw new GoDecodeAbort(`anchor '${n.name}' value contains itself`);
      this.active.add(n);
      try {
        return this.decode(n.target(), type, current, path);
      } finally {
        this.active.delete(n);
      }
    }
    if (!YamlDecoder.isNullish(n)) {
      if (type.kind === "opaque") {
        this.issues.push(opaqueIssue(n.line, path));
        return current;
      }
      if (type.kind === "ptr") {
        const inner = current && typeof current === "object" && "elem" in current ? current.elem : null;
        return { elem: this.decode(n, type.elem, inner ?? zeroValue(type.elem), path) };
      }
      if (type.kind === "struct" && type.yamlDefaults) {
        // UnmarshalYAML: decode into a holder that starts from the defaults, then replace.
        const holder = { ...(zeroValue(type) as GoStruct), ...type.yamlDefaults };
        return this.decodeKind(n, { ...type, yamlDefaults: undefined }, holder, path);
      }
    }
    return this.decodeKind(n, type, current, path);
  }

  private decodeKind(n: GoNode, type: GoType, current: GoValue, path: string): GoValue {
    switch (n.kind) {
      case "scalar":
        return this.scalar(n, type, current, path);
      case "seq":
        if (type.kind !== "slice") {
          this.terror(n, TAG.seq, type, path);
          return current;
        }
        return n.items.map((item, i) =>
          this.decode(item, type.elem, zeroValue(type.elem), joinPath(path, i)),
        );
      case "map":
        if (type.kind !== "struct") {
          this.terror(n, TAG.map, type, path);
          return current;
        }
        return this.mappingStruct(n, type, isStruct(current) ? current : (zeroValue(type) as GoStruct), path);
      default:
        throw new GoDecodeAbort(`line ${n.line}: not a YAML node`);
    }
  }

  private scalar(n: Scalar, type: GoType, current: GoValue, path: string): GoValue {
    let tag: string;
    let value: unknown;
    if (n.tag === "" && !n.implicit) [tag, value] = [TAG.str, n.value];
    else {
      const r = resolveScalar(n.tag, n.value);
      [tag, value] = [r.tag, r.value];
      if (tag === TAG.binary) {
        const text = String(value).replace(/\s+/g, "");
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
          throw new GoDecodeAbort("!!binary value contains invalid base64 data");
        }
        value = Buffer.from(text, "base64").toString("utf8");
      }
    }
    if (value === null) return zeroValue(type);
    switch (type.kind) {
      case "string":
        return tag === TAG.binary ? (value as string) : n.value;
      case "bool":
        if (typeof value === "boolean") return value;
        break;
      case "int": {
        const int =
          typeof value === "bigint" ? value : typeof value === "number" ? floatToInt(value) : undefined;
        if (int !== undefined && int <= MAX_INT64) return Number(int);
        break;
      }
      default:
        break;
    }
    this.terror(n, tag, type, path);
    return current;
  }

  private mappingStruct(
    n: Extract<GoNode, { kind: "map" }>,
    type: Extract<GoType, { kind: "struct" }>,
    out: GoStruct,
    path: string,
  ): GoStruct {
    const done = new Set<string>();
    for (const [key, value] of n.pairs) {
      if (key.kind === "scalar" && key.value === "<<" && (key.implicit || key.tag === TAG.merge)) {
        this.merge(value, type, out, path);
        continue;
      }
      const keyNode = key.kind === "alias" ? key.target() : key;
      if (keyNode.kind !== "scalar") {
        this.terror(keyNode, keyNode.kind === "seq" ? TAG.seq : TAG.map, { kind: "string" }, path);
        continue;
      }
      const name = this.decode(key, { kind: "string" }, "", path) as string;
      const field = type.fields.find((f) => f.yaml === name);
      const where = joinPath(path, name);
      if (!field) {
        if (this.strict)
          this.issues.push({
            line: key.line,
            path: where,
            message: `field ${name} not found in type ${type.name}`,
            allowed: type.fields.filter((f) => f.type.kind !== "opaque").map((f) => f.yaml),
          });
        continue;
      }
      if (this.strict && done.has(field.name)) {
        this.issues.push({
          line: key.line,
          path: where,
          message: `field ${name} already set in type ${type.name}`,
        });
        continue;
      }
      done.add(field.name);
      out[field.name] = this.decode(value, field.type, out[field.name] ?? zeroValue(field.type), where);
    }
    return out;
  }

  private merge(n: GoNode, type: GoType, out: GoStruct, path: string): void {
    const isMapping = (m: GoNode) => m.kind === "map" || (m.kind === "alias" && m.target().kind === "map");
    const fail = () => {
      throw new GoDecodeAbort(`line ${n.line}: map merge requires map or sequence of maps as the value`);
    };
    if (n.kind === "seq") {
      // Earlier mappings take precedence, so they are applied last.
      for (const item of [...n.items].reverse()) {
        if (!isMapping(item)) fail();
        this.decode(item, type, out, path);
      }
    } else if (isMapping(n)) this.decode(n, type, out, path);
    else fail();
  }
}

/**
 * yaml.Unmarshal (strict false) or yaml.UnmarshalStrict of a document into `type`.
 * Type errors are collected as yaml.v2 collects them; aborts throw GoDecodeAbort.
 */
export function decodeYaml(
  root: GoNode | undefined,
  type: GoType,
  strict: boolean,
): { value: GoValue; issues: DecodeIssue[] } {
  const decoder = new YamlDecoder(strict);
  const value = root ? decoder.decode(root, type, zeroValue(type), "") : zeroValue(type);
  return { value, issues: decoder.issues };
}
