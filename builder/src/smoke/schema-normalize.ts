// Decoded v1/v2 structs → SmokeFile, with container-structure-test's Validate() run on
// each test, and the containerRunOptions that BuildKit cannot honour refused: each
// refusal names the field and says why.
import {
  isEmptyMetadataTest,
  validateCommandTest,
  validateFileTest,
  validateMetadataTest,
} from "./cst-validate.js";
import type { GoStruct, GoValue } from "./go-types.js";
import type { SmokeFileIssue } from "./schema-errors.js";
import type {
  CommandTest,
  EnvVar,
  FileContentTest,
  FileExistenceTest,
  LicenseTest,
  MetadataTest,
  RunOptions,
  SchemaVersion,
  SmokeFile,
} from "./smoke-file.js";

type Field = GoValue | undefined;
const list = (v: Field): GoValue[] => (Array.isArray(v) ? v : []);
const strings = (v: Field): string[] => list(v) as string[];
const structs = (v: Field): GoStruct[] => list(v) as GoStruct[];
const ptrList = (v: Field): string[] | null =>
  v && typeof v === "object" && "elem" in v ? strings(v.elem) : null;

function envVars(v: Field): EnvVar[] {
  return structs(v).map((e) => ({
    key: e.Key as string,
    value: e.Value as string,
    isRegex: e.IsRegex as boolean,
  }));
}

const withInvalid = <T extends object>(test: T, errors: string[]): T & { invalid?: string[] } =>
  errors.length > 0 ? { ...test, invalid: errors } : test;

function commandTest(t: GoStruct, version: SchemaVersion): CommandTest {
  const command = version === "2.0.0" ? [t.Command as string, ...strings(t.Args)] : strings(t.Command);
  const test: CommandTest = {
    name: t.Name as string,
    setup: list(t.Setup).map(strings),
    teardown: list(t.Teardown).map(strings),
    envVars: envVars(t.EnvVars),
    exitCode: t.ExitCode as number,
    command,
    expectedOutput: strings(t.ExpectedOutput),
    excludedOutput: strings(t.ExcludedOutput),
    expectedError: strings(t.ExpectedError),
    excludedError: strings(t.ExcludedError),
    ...(t.WorkingDir ? { workingDir: t.WorkingDir as string } : {}),
  };
  return withInvalid(test, validateCommandTest(test, version));
}

function fileExistenceTest(t: GoStruct, version: SchemaVersion): FileExistenceTest {
  const test: FileExistenceTest = {
    name: t.Name as string,
    path: t.Path as string,
    shouldExist: t.ShouldExist as boolean,
    permissions: t.Permissions as string,
    // v1 has no ownership or executable checks.
    uid: version === "2.0.0" ? (t.Uid as number) : -1,
    gid: version === "2.0.0" ? (t.Gid as number) : -1,
    isExecutableBy: version === "2.0.0" ? (t.IsExecutableBy as string) : "",
  };
  return withInvalid(test, validateFileTest(test, version, "existence"));
}

function fileContentTest(t: GoStruct, version: SchemaVersion): FileContentTest {
  const test: FileContentTest = {
    name: t.Name as string,
    path: t.Path as string,
    expectedContents: strings(t.ExpectedContents),
    excludedContents: strings(t.ExcludedContents),
  };
  return withInvalid(test, validateFileTest(test, version, "content"));
}

function metadataTest(m: GoStruct): MetadataTest | undefined {
  const test: MetadataTest = {
    envVars: envVars(m.EnvVars),
    unboundEnvVars: envVars(m.UnboundEnvVars),
    exposedPorts: strings(m.ExposedPorts),
    unexposedPorts: strings(m.UnexposedPorts),
    entrypoint: ptrList(m.Entrypoint),
    cmd: ptrList(m.Cmd),
    workdir: m.Workdir as string,
    volumes: strings(m.Volumes),
    unmountedVolumes: strings(m.UnmountedVolumes),
    labels: envVars(m.Labels),
    user: m.User as string,
  };
  return isEmptyMetadataTest(test) ? undefined : withInvalid(test, validateMetadataTest(test));
}

const WHY: Record<string, string> = {
  Privileged:
    "tests run as BuildKit RUN steps, which are never privileged here (that needs the builder's security.insecure entitlement)",
  TTY: "tests run as BuildKit RUN steps, which have no terminal",
  Capabilities: "BuildKit RUN steps cannot be given extra Linux capabilities",
  BindMounts: "tests run inside BuildKit, which cannot mount directories of the machine that runs the tests",
  EnvFile:
    "it names a file on the machine that runs the tests, which would hand that machine's files to the image under test; use containerRunOptions.envVars or the tests' envVars",
};
const YAML_NAME: Record<string, string> = {
  Privileged: "privileged",
  TTY: "allocateTty",
  Capabilities: "capabilities",
  BindMounts: "bindMounts",
  EnvFile: "envFile",
};

function runOptions(o: GoStruct | undefined): { options?: RunOptions; refusals: SmokeFileIssue[] } {
  if (!o) return { refusals: [] };
  const refusals: SmokeFileIssue[] = [];
  for (const field of Object.keys(WHY)) {
    const v = o[field];
    const set = Array.isArray(v) ? v.length > 0 : Boolean(v);
    if (!set) continue;
    const path = `containerRunOptions.${YAML_NAME[field]}`;
    refusals.push({ path, message: `${path} is not supported: ${WHY[field]}.` });
  }
  const user = o.User as string;
  if (user !== "" && !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?$/.test(user)) {
    refusals.push({
      path: "containerRunOptions.user",
      message: `containerRunOptions.user ${JSON.stringify(user)} is not a user name or uid[:gid], so it cannot name a user in the image.`,
    });
  }
  const env = strings(o.EnvVars);
  // ContainerRunOptions.IsSet(): only then does the driver apply them (and replace the
  // tests' own envVars with these, as the docker driver does).
  const isSet = user !== "" || env.length > 0;
  return { refusals, ...(isSet ? { options: { user, envVars: env } } : {}) };
}

export function normalizeStructureTest(
  st: GoStruct,
  version: SchemaVersion,
): { file: SmokeFile; refusals: SmokeFileIssue[] } {
  const skipped: string[] = [];
  // v1 skips a test its Validate() refuses (logging the error); v2 reports it failed.
  const keep = <T extends { name: string; invalid?: string[] }>(tests: T[]): T[] =>
    version === "2.0.0"
      ? tests
      : tests.filter((t) => {
          if (t.invalid) skipped.push(`${t.name || "(unnamed)"}: ${t.invalid[0]}`);
          return !t.invalid;
        });
  const { options, refusals } = runOptions(
    version === "2.0.0" ? (st.ContainerRunOptions as GoStruct) : undefined,
  );
  const licenseTests: LicenseTest[] = structs(st.LicenseTests).map((l) => ({
    debian: l.Debian as boolean,
    files: strings(l.Files),
  }));
  const metadata = version === "2.0.0" ? metadataTest(st.MetadataTest as GoStruct) : undefined;
  const file: SmokeFile = {
    schemaVersion: version,
    globalEnvVars: envVars(st.GlobalEnvVars),
    commandTests: keep(structs(st.CommandTests).map((t) => commandTest(t, version))),
    fileExistenceTests: keep(structs(st.FileExistenceTests).map((t) => fileExistenceTest(t, version))),
    fileContentTests: keep(structs(st.FileContentTests).map((t) => fileContentTest(t, version))),
    licenseTests,
    ...(metadata ? { metadataTest: metadata } : {}),
    ...(options ? { runOptions: options } : {}),
    skipped,
  };
  return { file, refusals };
}
