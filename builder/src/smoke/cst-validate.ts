// container-structure-test's per-test Validate() checks and their messages. They are not
// parse errors there: in a v2 file the test fails with these messages and the others
// run; a v1 file skips the test without a result.
import type { CommandTest, FileContentTest, FileExistenceTest, MetadataTest } from "./smoke-file.js";

type Command = Omit<CommandTest, "invalid">;

export function validateCommandTest(t: Command, version: "1.0.0" | "2.0.0"): string[] {
  const errors: string[] = [];
  if (t.name === "") errors.push("Please provide a valid name for every test");
  if (t.command.length === 0 || (version === "2.0.0" && t.command[0] === "")) {
    errors.push(`Please provide a valid command to run for test ${t.name}`);
  }
  if (t.setup.some((c) => c.length === 0)) {
    errors.push(
      "Error in setup command configuration encountered; please check formatting and remove all empty setup commands",
    );
  }
  if (t.teardown.some((c) => c.length === 0)) {
    errors.push(
      "Error in teardown command configuration encountered; please check formatting and remove all empty teardown commands",
    );
  }
  for (const e of t.envVars) {
    if (e.key === "" || e.value === "")
      errors.push("Please provide non-empty keys and values for all specified env vars");
  }
  // v1 returns at the first problem; only whether there is one matters there.
  return errors;
}

export function validateFileTest(
  t: Pick<FileExistenceTest | FileContentTest, "name" | "path">,
  version: "1.0.0" | "2.0.0",
  kind: "existence" | "content",
): string[] {
  const errors: string[] = [];
  if (t.name === "") errors.push("Please provide a valid name for every test");
  // v1's file existence Validate builds this error and drops it, so an empty path runs.
  const pathChecked = version === "2.0.0" || kind === "content";
  if (t.path === "" && pathChecked) errors.push(`Please provide a valid file path for test ${t.name}`);
  return errors;
}

export function validateMetadataTest(t: Omit<MetadataTest, "invalid">): string[] {
  const errors: string[] = [];
  for (const e of t.envVars) if (e.key === "") errors.push("Environment variable key cannot be empty");
  for (const l of t.labels) if (l.key === "") errors.push("Label key cannot be empty");
  for (const p of t.exposedPorts) if (p === "") errors.push("Port cannot be empty");
  for (const v of t.volumes) if (v === "") errors.push("Volume cannot be empty");
  return errors;
}

/** MetadataTest.IsEmpty(): an empty metadata test is skipped, with no result. */
export function isEmptyMetadataTest(t: Omit<MetadataTest, "invalid">): boolean {
  return (
    t.envVars.length === 0 &&
    t.unboundEnvVars.length === 0 &&
    t.exposedPorts.length === 0 &&
    t.unexposedPorts.length === 0 &&
    t.entrypoint === null &&
    t.cmd === null &&
    t.workdir === "" &&
    t.user === "" &&
    t.volumes.length === 0 &&
    t.unmountedVolumes.length === 0 &&
    t.labels.length === 0
  );
}
