// Decodes JSON nodes into container-structure-test's structs with encoding/json's rules,
// which it uses for `.json` files: keys match Go field names case-insensitively (an exact
// match first), unknown keys are ignored, null changes nothing but a slice or pointer,
// a number fits an int only as an integer literal, nothing converts between kinds, and
// UnmarshalYAML is not called (so a file existence test starts with shouldExist false
// and uid/gid 0). A type error does not stop decoding, but fails it at the end.
import type { GoNode } from "./go-nodes.js";
import {
  goTypeName,
  isStruct,
  joinPath,
  MAX_INT64,
  MIN_INT64,
  opaqueIssue,
  zeroValue,
  type DecodeIssue,
  type GoStruct,
  type GoType,
  type GoValue,
} from "./go-types.js";

const JSON_KIND: Record<GoNode["kind"], string> = {
  scalar: "string",
  number: "number",
  bool: "bool",
  null: "null",
  seq: "array",
  map: "object",
  alias: "alias",
};

function fieldFor(type: Extract<GoType, { kind: "struct" }>, key: string) {
  return (
    type.fields.find((f) => f.name === key) ??
    type.fields.find((f) => f.name.toLowerCase() === key.toLowerCase())
  );
}

class JsonDecoder {
  readonly issues: DecodeIssue[] = [];

  private mismatch(n: GoNode, type: GoType, path: string, what = JSON_KIND[n.kind]): void {
    const field = path ? `Go struct field ${path}` : "Go value";
    this.issues.push({
      line: n.line,
      path,
      message: `cannot unmarshal ${what} into ${field} of type ${goTypeName(type)}`,
    });
  }

  decode(n: GoNode, type: GoType, current: GoValue, path: string): GoValue {
    if (n.kind === "null") return type.kind === "slice" || type.kind === "ptr" ? null : current;
    if (type.kind === "opaque") {
      this.issues.push(opaqueIssue(n.line, path));
      return current;
    }
    if (type.kind === "ptr") {
      const inner = current && typeof current === "object" && "elem" in current ? current.elem : null;
      return { elem: this.decode(n, type.elem, inner ?? zeroValue(type.elem), path) };
    }
    switch (n.kind) {
      case "scalar":
        if (type.kind === "string") return n.value;
        break;
      case "bool":
        if (type.kind === "bool") return n.value;
        break;
      case "number":
        if (type.kind === "int") {
          const int = /^-?[0-9]+$/.test(n.literal) ? BigInt(n.literal) : undefined;
          if (int !== undefined && int >= MIN_INT64 && int <= MAX_INT64) return Number(int);
          this.mismatch(n, type, path, `number ${n.literal}`);
          return current;
        }
        break;
      case "seq":
        if (type.kind === "slice") {
          return n.items.map((item, i) =>
            this.decode(item, type.elem, zeroValue(type.elem), joinPath(path, i)),
          );
        }
        break;
      case "map":
        if (type.kind === "struct") {
          const out: GoStruct = isStruct(current) ? current : (zeroValue(type) as GoStruct);
          for (const [key, value] of n.pairs) {
            const name = key.kind === "scalar" ? key.value : "";
            const field = fieldFor(type, name);
            if (!field) continue; // encoding/json ignores unknown keys
            const previous: GoValue = out[field.name] ?? null;
            out[field.name] = this.decode(value, field.type, previous, joinPath(path, name));
          }
          return out;
        }
        break;
      default:
        break;
    }
    this.mismatch(n, type, path);
    return current;
  }
}

/** json.Unmarshal of a document into `type`. */
export function decodeJson(root: GoNode, type: GoType): { value: GoValue; issues: DecodeIssue[] } {
  const decoder = new JsonDecoder();
  const value = decoder.decode(root, type, zeroValue(type), "");
  return { value, issues: decoder.issues };
}
