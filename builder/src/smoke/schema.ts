// The smoke file: container-structure-test's format, schemaVersion 2.0.0, in YAML or
// JSON (SPEC §5). Field names and defaults follow that tool; every object is strict, so
// a typo or a field this builder does not run is an error naming it, never ignored.
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { SmokeError } from "./errors.js";
import { describeIssues } from "./schema-errors.js";
import { parseGoRegex } from "./regex.js";

const regexSchema = z.string().superRefine((pattern, ctx) => {
  try {
    parseGoRegex(pattern);
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      message: `${JSON.stringify(pattern)} is not a valid regular expression: ${(err as Error).message}`,
    });
  }
});
const regexListSchema = z.array(regexSchema).default([]);

const nameSchema = z.string().trim().min(1, "every test needs a non-empty name");
const envKeySchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "an environment variable name is letters, digits and '_', not starting with a digit",
});
const commandLineSchema = z
  .array(z.string())
  .min(1, 'a setup or teardown command must not be empty; write it as ["cmd", "arg"...]');

export const commandEnvVarSchema = z.strictObject({
  key: envKeySchema,
  // container-structure-test rejects empty values for command env vars too.
  value: z.string().min(1, "an env var value must not be empty"),
});

export const commandTestSchema = z.strictObject({
  name: nameSchema,
  setup: z.array(commandLineSchema).default([]),
  teardown: z.array(commandLineSchema).default([]),
  command: z.string().min(1, "a command test needs a command to run"),
  args: z.array(z.string()).default([]),
  envVars: z.array(commandEnvVarSchema).default([]),
  workingDir: z.string().min(1).optional(),
  expectedOutput: regexListSchema,
  excludedOutput: regexListSchema,
  expectedError: regexListSchema,
  excludedError: regexListSchema,
  exitCode: z.number().int().min(0).max(255).default(0),
});
export type CommandTest = z.output<typeof commandTestSchema>;

export const EXECUTABLE_BY = ["owner", "group", "other", "any"] as const;
export type ExecutableBy = (typeof EXECUTABLE_BY)[number];

export const fileExistenceTestSchema = z.strictObject({
  name: nameSchema,
  path: z.string().min(1, "a file existence test needs a path"),
  shouldExist: z.boolean().default(true),
  permissions: z
    .string()
    .regex(/^[dalTLDpSugct?]*-?[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/, {
      message: "permissions look like '-rwxr-xr-x' or 'drwxr-xr-x' (Go's FileMode.String())",
    })
    .optional(),
  uid: z.number().int().min(0).optional(),
  gid: z.number().int().min(0).optional(),
  isExecutableBy: z
    .enum(EXECUTABLE_BY, { message: "isExecutableBy is one of owner, group, other, any" })
    .optional(),
});
export type FileExistenceTest = z.output<typeof fileExistenceTestSchema>;

export const fileContentTestSchema = z.strictObject({
  name: nameSchema,
  path: z.string().min(1, "a file content test needs a path"),
  expectedContents: regexListSchema,
  excludedContents: regexListSchema,
});
export type FileContentTest = z.output<typeof fileContentTestSchema>;

export const metadataPairSchema = z.strictObject({
  key: z.string().min(1, "a key must not be empty"),
  value: z.string().default(""),
  isRegex: z.boolean().default(false),
});
export type MetadataPair = z.output<typeof metadataPairSchema>;

export const metadataTestSchema = z.strictObject({
  envVars: z.array(metadataPairSchema).default([]),
  labels: z.array(metadataPairSchema).default([]),
  exposedPorts: z.array(z.string().min(1, "a port must not be empty")).default([]),
  entrypoint: z.array(z.string()).optional(),
  cmd: z.array(z.string()).optional(),
  workdir: z.string().optional(),
  user: z.string().optional(),
});
export type MetadataTest = z.output<typeof metadataTestSchema>;

export const smokeFileSchema = z.strictObject({
  schemaVersion: z.literal("2.0.0", {
    message: 'must be "2.0.0" (the container-structure-test format version)',
  }),
  commandTests: z.array(commandTestSchema).default([]),
  fileExistenceTests: z.array(fileExistenceTestSchema).default([]),
  fileContentTests: z.array(fileContentTestSchema).default([]),
  metadataTest: metadataTestSchema.optional(),
});
export type SmokeFile = z.output<typeof smokeFileSchema>;
export type SmokeFileInput = z.input<typeof smokeFileSchema>;

/** True when the file has a test that must run inside the image (not metadata only). */
export function hasImageTests(file: SmokeFile): boolean {
  return file.commandTests.length + file.fileExistenceTests.length + file.fileContentTests.length > 0;
}

/** Validates an already-decoded smoke file object. Throws SmokeError SMOKE_FILE_INVALID. */
export function parseSmokeObject(value: unknown, source = "the smoke file"): SmokeFile {
  const result = smokeFileSchema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues, smokeFileSchema, value);
  const lines = issues.map((i) => i.message);
  throw new SmokeError(
    "SMOKE_FILE_INVALID",
    `${source} is not a valid smoke file:\n  ${lines.join("\n  ")}`,
    issues,
  );
}

/** Parses smoke file text (YAML, of which JSON is a subset). Throws SmokeError SMOKE_FILE_INVALID. */
export function parseSmokeFile(text: string, source = "the smoke file"): SmokeFile {
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const detail = err instanceof YAMLParseError ? err.message : String(err);
    throw new SmokeError("SMOKE_FILE_INVALID", `${source} is not valid YAML or JSON: ${detail}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SmokeError(
      "SMOKE_FILE_INVALID",
      `${source} must be a mapping with schemaVersion: "2.0.0" and test lists, not ${value === null ? "empty" : Array.isArray(value) ? "a list" : JSON.stringify(value)}`,
    );
  }
  return parseSmokeObject(value, source);
}
