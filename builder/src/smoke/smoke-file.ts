// A parsed smoke file: container-structure-test's v1 or v2 config after Go-style decoding
// (schema.ts), in one shape for both versions. Values are as the tool holds them: an
// unset uid is -1, an unset entrypoint null, and a test its Validate() refuses keeps
// the messages in `invalid` (v2 reports it as a failed test; v1 drops it).

export type SchemaVersion = "1.0.0" | "2.0.0";

export interface EnvVar {
  key: string;
  value: string;
  isRegex: boolean;
}

export interface CommandTest {
  name: string;
  setup: string[][];
  teardown: string[][];
  envVars: EnvVar[];
  exitCode: number;
  /** argv before `$VAR` substitution: v2's [command, ...args], v1's command list. */
  command: string[];
  expectedOutput: string[];
  excludedOutput: string[];
  expectedError: string[];
  excludedError: string[];
  /** SPEC §5's addition: the directory the command (and its setup) runs in. */
  workingDir?: string;
  invalid?: string[];
}

export interface FileExistenceTest {
  name: string;
  path: string;
  shouldExist: boolean;
  /** Go's FileMode.String(), e.g. "-rwxr-xr-x"; "" = not checked. */
  permissions: string;
  /** -1 = not checked (YAML's default; JSON files start from 0, as in the tool). */
  uid: number;
  gid: number;
  /** "" = not checked; anything but owner/group/other/any fails the test when it runs. */
  isExecutableBy: string;
  invalid?: string[];
}

export interface FileContentTest {
  name: string;
  path: string;
  expectedContents: string[];
  excludedContents: string[];
  invalid?: string[];
}

export interface LicenseTest {
  debian: boolean;
  files: string[];
}

export interface MetadataTest {
  envVars: EnvVar[];
  unboundEnvVars: EnvVar[];
  exposedPorts: string[];
  unexposedPorts: string[];
  entrypoint: string[] | null;
  cmd: string[] | null;
  workdir: string;
  volumes: string[];
  unmountedVolumes: string[];
  labels: EnvVar[];
  user: string;
  invalid?: string[];
}

/** containerRunOptions, when set; only the fields BuildKit can honour reach here. */
export interface RunOptions {
  user: string;
  /** Names of variables passed from the environment of whoever runs the tests. */
  envVars: string[];
}

export interface SmokeFile {
  schemaVersion: SchemaVersion;
  globalEnvVars: EnvVar[];
  commandTests: CommandTest[];
  fileExistenceTests: FileExistenceTest[];
  fileContentTests: FileContentTest[];
  licenseTests: LicenseTest[];
  /** Absent when empty: container-structure-test skips an empty metadata test. */
  metadataTest?: MetadataTest;
  runOptions?: RunOptions;
  /** Tests container-structure-test would skip without a result (v1 Validate errors). */
  skipped: string[];
}

/** True when a test must run inside the image (anything but the metadata test). */
export function hasImageTests(file: SmokeFile): boolean {
  return (
    file.commandTests.length +
      file.fileExistenceTests.length +
      file.fileContentTests.length +
      file.licenseTests.length >
    0
  );
}
