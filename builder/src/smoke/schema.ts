// Reads a smoke file as container-structure-test's test.Parse does (SPEC §5): a `.json`
// file with encoding/json, anything else as YAML with gopkg.in/yaml.v2; a first
// non-strict pass reads schemaVersion (1.0.0 or 2.0.0), a second decodes the whole file
// into that version's structs (strictly for YAML: an unknown or repeated field is an
// error there; JSON ignores unknown keys). A file the tool accepts is accepted here,
// except for the containerRunOptions BuildKit cannot honour, each refused with why.
import { SmokeError } from "./errors.js";
import { decodeJson } from "./go-json-decode.js";
import { parseJsonNodes } from "./go-json-nodes.js";
import { GoSyntaxError, parseYamlNodes, type GoNode } from "./go-nodes.js";
import { GoDecodeAbort, type DecodeIssue, type GoStruct, type GoType } from "./go-types.js";
import { decodeYaml } from "./go-yaml-decode.js";
import { SCHEMA_VERSION, V1_STRUCTURE_TEST, V2_STRUCTURE_TEST } from "./cst-types.js";
import { normalizeStructureTest } from "./schema-normalize.js";
import { describeDecodeIssue, type SmokeFileIssue } from "./schema-errors.js";
import type { SchemaVersion, SmokeFile } from "./smoke-file.js";

export { hasImageTests, type SmokeFile } from "./smoke-file.js";

export type SmokeFileFormat = "yaml" | "json";

/** container-structure-test picks the decoder by extension: .json is JSON, .yaml/.yml YAML. */
export function formatOfPath(file: string): SmokeFileFormat {
  return file.toLowerCase().endsWith(".json") ? "json" : "yaml";
}

function invalid(source: string, issues: SmokeFileIssue[]): SmokeError {
  const lines = issues.map((i) => i.message);
  return new SmokeError(
    "SMOKE_FILE_INVALID",
    `${source} is not a valid smoke file:\n  ${lines.join("\n  ")}`,
    issues,
  );
}

function decode(root: GoNode | undefined, type: GoType, format: SmokeFileFormat, strict: boolean) {
  if (format === "json") return decodeJson(root!, type);
  return decodeYaml(root, type, strict);
}

function readNodes(text: string, format: SmokeFileFormat, source: string): GoNode | undefined {
  try {
    return format === "json" ? parseJsonNodes(text) : parseYamlNodes(text);
  } catch (err) {
    if (!(err instanceof GoSyntaxError)) throw err;
    throw invalid(source, [
      { path: "", message: `it is not valid ${format === "json" ? "JSON" : "YAML"}: ${err.message}` },
    ]);
  }
}

function decodeOrThrow(
  root: GoNode | undefined,
  type: GoType,
  format: SmokeFileFormat,
  strict: boolean,
  source: string,
): GoStruct {
  let result: { value: unknown; issues: DecodeIssue[] };
  try {
    result = decode(root, type, format, strict);
  } catch (err) {
    if (!(err instanceof GoDecodeAbort)) throw err;
    throw invalid(source, [{ path: "", message: err.message }]);
  }
  if (result.issues.length > 0) throw invalid(source, result.issues.map(describeDecodeIssue));
  return result.value as GoStruct;
}

/** Parses smoke file text. Throws SmokeError SMOKE_FILE_INVALID naming every problem. */
export function parseSmokeFile(
  text: string,
  source = "the smoke file",
  format: SmokeFileFormat = formatOfPath(source),
): SmokeFile {
  const root = readNodes(text, format, source);
  const holder = decodeOrThrow(root, SCHEMA_VERSION, format, false, source);
  const version = holder.SchemaVersion as string;
  if (version === "") {
    throw invalid(source, [
      { path: "schemaVersion", message: 'schemaVersion: please provide the schema version ("2.0.0")' },
    ]);
  }
  if (version !== "1.0.0" && version !== "2.0.0") {
    throw invalid(source, [
      {
        path: "schemaVersion",
        message: `schemaVersion: unsupported schema version ${JSON.stringify(version)}; container-structure-test reads "1.0.0" and "2.0.0"`,
      },
    ]);
  }
  const type = version === "2.0.0" ? V2_STRUCTURE_TEST : V1_STRUCTURE_TEST;
  const st = decodeOrThrow(root, type, format, true, source);
  const { file, refusals } = normalizeStructureTest(st, version as SchemaVersion);
  if (refusals.length > 0) throw invalid(source, refusals);
  return file;
}
