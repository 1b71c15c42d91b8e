// Just enough of Go's type system to decode a smoke file the way container-structure-test
// does: its structs (field name, yaml tag, type), the zero value of each type, and the
// names Go prints in decode errors. Decoded values keep Go's shape: a struct is an object
// keyed by Go field name, a nil slice is null, a pointer is null or { elem }.

export type GoType =
  | { kind: "string" }
  | { kind: "bool" }
  | { kind: "int" }
  | { kind: "slice"; elem: GoType }
  | { kind: "ptr"; elem: GoType }
  | {
      kind: "struct";
      /** As Go prints it, e.g. "v2.CommandTest". */
      name: string;
      fields: GoField[];
      /**
       * The struct has an UnmarshalYAML that starts from these field values (only
       * FileExistenceTest: shouldExist true, uid/gid -1). encoding/json ignores it.
       */
      yamlDefaults?: Record<string, GoValue>;
    }
  /** A field no file can set (a func): any non-null value is a type error. */
  | { kind: "opaque"; name: string };

export interface GoField {
  /** Go field name; encoding/json matches keys to it case-insensitively. */
  name: string;
  /** The yaml tag, or the lower-cased field name yaml.v2 uses without one. */
  yaml: string;
  type: GoType;
}

export type GoStruct = { [field: string]: GoValue };
export type GoValue = string | boolean | number | null | GoValue[] | GoStruct | { elem: GoValue };

export const STRING: GoType = { kind: "string" };
export const BOOL: GoType = { kind: "bool" };
export const INT: GoType = { kind: "int" };
export const sliceOf = (elem: GoType): GoType => ({ kind: "slice", elem });
export const ptrTo = (elem: GoType): GoType => ({ kind: "ptr", elem });

export function zeroValue(type: GoType): GoValue {
  switch (type.kind) {
    case "string":
      return "";
    case "bool":
      return false;
    case "int":
      return 0;
    case "struct":
      return Object.fromEntries(type.fields.map((f) => [f.name, zeroValue(f.type)]));
    default:
      return null;
  }
}

export function goTypeName(type: GoType): string {
  switch (type.kind) {
    case "slice":
      return `[]${goTypeName(type.elem)}`;
    case "ptr":
      return `*${goTypeName(type.elem)}`;
    case "struct":
    case "opaque":
      return type.name;
    default:
      return type.kind;
  }
}

export function isStruct(value: GoValue): value is GoStruct {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !("elem" in value);
}

/** A problem that makes Go's decoder fail; the file is refused as container-structure-test refuses it. */
export interface DecodeIssue {
  line: number;
  /** Where in the file, e.g. "commandTests[1].exitCode". */
  path: string;
  message: string;
  /** For an unknown field: the fields the struct has, to suggest the one meant. */
  allowed?: string[];
}

export function joinPath(base: string, part: string | number): string {
  if (typeof part === "number") return `${base}[${part}]`;
  return base ? `${base}.${part}` : part;
}

/** Aborts a decode the way yaml.v2's failf does (anchors that contain themselves, bad merges). */
export class GoDecodeAbort extends Error {}

/** The issue for a value given to a field no file can set (StructureTest's DriverImpl, DriverArgs). */
export function opaqueIssue(line: number, path: string): DecodeIssue {
  return {
    line,
    path,
    message:
      "is container-structure-test's own driver configuration, not a test; tests run inside BuildKit here, so it cannot be set",
  };
}

/** math.MaxInt64 and math.MinInt64. */
export const MAX_INT64 = 2n ** 63n - 1n;
export const MIN_INT64 = -(2n ** 63n);
