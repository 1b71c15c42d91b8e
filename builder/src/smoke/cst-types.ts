// container-structure-test's config structs (pkg/types/{unversioned,v1,v2} at commit
// 63ee63e1), as Go type descriptions for go-yaml-decode.ts and go-json-decode.ts. The
// YAML key is the yaml tag, or the lower-cased Go field name where there is none
// (EnvVar's key/value, ContainerRunOptions' user/privileged/capabilities); the JSON key
// is the Go field name, matched case-insensitively (so ContainerRunOptions' TTY is
// `allocateTty` in YAML but `tty` in JSON).
import { BOOL, INT, ptrTo, sliceOf, STRING, type GoField, type GoType } from "./go-types.js";

const f = (name: string, type: GoType, yaml = name.toLowerCase()): GoField => ({ name, yaml, type });
const struct = (name: string, fields: GoField[], yamlDefaults?: Record<string, boolean | number>) =>
  ({ kind: "struct", name, fields, ...(yamlDefaults ? { yamlDefaults } : {}) }) as const satisfies GoType;

const STRINGS = sliceOf(STRING);

export const ENV_VAR = struct("unversioned.EnvVar", [
  f("Key", STRING),
  f("Value", STRING),
  f("IsRegex", BOOL, "isRegex"),
]);
const LABEL = struct("unversioned.Label", ENV_VAR.fields);

const CONTAINER_RUN_OPTIONS = struct("unversioned.ContainerRunOptions", [
  f("User", STRING),
  f("Privileged", BOOL),
  f("TTY", BOOL, "allocateTty"),
  f("EnvVars", STRINGS, "envVars"),
  f("EnvFile", STRING, "envFile"),
  f("Capabilities", STRINGS),
  f("BindMounts", STRINGS, "bindMounts"),
]);

// StructureTest's DriverImpl and DriverArgs are exported, so a file can name them
// (driverimpl/driverargs in YAML); they configure the tool, not a test.
const DRIVER_FIELDS = [
  f("DriverImpl", { kind: "opaque", name: "func(drivers.DriverConfig) (drivers.Driver, error)" }),
  f("DriverArgs", { kind: "opaque", name: "drivers.DriverConfig" }),
];

const COMMAND_COMMON = (command: GoType) => [
  f("Name", STRING, "name"),
  f("Setup", sliceOf(STRINGS), "setup"),
  f("Teardown", sliceOf(STRINGS), "teardown"),
  f("EnvVars", sliceOf(ENV_VAR), "envVars"),
  f("ExitCode", INT, "exitCode"),
  f("Command", command, "command"),
];
const OUTPUT_CHECKS = [
  f("ExpectedOutput", STRINGS, "expectedOutput"),
  f("ExcludedOutput", STRINGS, "excludedOutput"),
  f("ExpectedError", STRINGS, "expectedError"),
  f("ExcludedError", STRINGS, "excludedError"),
];
// Not container-structure-test's: SPEC §5 adds workingDir to command tests.
const WORKING_DIR = f("WorkingDir", STRING, "workingDir");

const FILE_CONTENT = (v: string) =>
  struct(`${v}.FileContentTest`, [
    f("Name", STRING, "name"),
    f("Path", STRING, "path"),
    f("ExpectedContents", STRINGS, "expectedContents"),
    f("ExcludedContents", STRINGS, "excludedContents"),
  ]);
const LICENSE = (v: string) =>
  struct(`${v}.LicenseTest`, [f("Debian", BOOL, "debian"), f("Files", STRINGS, "files")]);

export const V2_COMMAND_TEST = struct("v2.CommandTest", [
  ...COMMAND_COMMON(STRING),
  f("Args", STRINGS, "args"),
  ...OUTPUT_CHECKS,
  WORKING_DIR,
]);

export const V2_FILE_EXISTENCE_TEST = struct(
  "v2.FileExistenceTest",
  [
    f("Name", STRING, "name"),
    f("Path", STRING, "path"),
    f("ShouldExist", BOOL, "shouldExist"),
    f("Permissions", STRING, "permissions"),
    f("Uid", INT, "uid"),
    f("Gid", INT, "gid"),
    f("IsExecutableBy", STRING, "isExecutableBy"),
  ],
  { ShouldExist: true, Uid: -1, Gid: -1 },
);

export const V2_METADATA_TEST = struct("v2.MetadataTest", [
  f("EnvVars", sliceOf(ENV_VAR), "envVars"),
  f("UnboundEnvVars", sliceOf(ENV_VAR), "unboundEnvVars"),
  f("ExposedPorts", STRINGS, "exposedPorts"),
  f("UnexposedPorts", STRINGS, "unexposedPorts"),
  f("Entrypoint", ptrTo(STRINGS), "entrypoint"),
  f("Cmd", ptrTo(STRINGS), "cmd"),
  f("Workdir", STRING, "workdir"),
  f("Volumes", STRINGS, "volumes"),
  f("UnmountedVolumes", STRINGS, "unmountedVolumes"),
  f("Labels", sliceOf(LABEL), "labels"),
  f("User", STRING, "user"),
]);

export const V2_STRUCTURE_TEST = struct("v2.StructureTest", [
  ...DRIVER_FIELDS,
  f("SchemaVersion", STRING, "schemaVersion"),
  f("GlobalEnvVars", sliceOf(ENV_VAR), "globalEnvVars"),
  f("CommandTests", sliceOf(V2_COMMAND_TEST), "commandTests"),
  f("FileExistenceTests", sliceOf(V2_FILE_EXISTENCE_TEST), "fileExistenceTests"),
  f("FileContentTests", sliceOf(FILE_CONTENT("v2")), "fileContentTests"),
  f("MetadataTest", V2_METADATA_TEST, "metadataTest"),
  f("LicenseTests", sliceOf(LICENSE("v2")), "licenseTests"),
  f("ContainerRunOptions", CONTAINER_RUN_OPTIONS, "containerRunOptions"),
]);

export const V1_STRUCTURE_TEST = struct("v1.StructureTest", [
  ...DRIVER_FIELDS,
  f("SchemaVersion", STRING, "schemaVersion"),
  f("GlobalEnvVars", sliceOf(ENV_VAR), "globalEnvVars"),
  f(
    "CommandTests",
    sliceOf(struct("v1.CommandTest", [...COMMAND_COMMON(STRINGS), ...OUTPUT_CHECKS, WORKING_DIR])),
    "commandTests",
  ),
  f(
    "FileExistenceTests",
    sliceOf(
      struct(
        "v1.FileExistenceTest",
        [
          f("Name", STRING, "name"),
          f("Path", STRING, "path"),
          f("ShouldExist", BOOL, "shouldExist"),
          f("Permissions", STRING, "permissions"),
        ],
        { ShouldExist: true },
      ),
    ),
    "fileExistenceTests",
  ),
  f("FileContentTests", sliceOf(FILE_CONTENT("v1")), "fileContentTests"),
  f("LicenseTests", sliceOf(LICENSE("v1")), "licenseTests"),
]);

/** types.SchemaVersion: the first, non-strict pass that picks the struct. */
export const SCHEMA_VERSION = struct("types.SchemaVersion", [f("SchemaVersion", STRING, "schemaVersion")]);
