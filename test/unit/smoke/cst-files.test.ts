// Every test file container-structure-test keeps under tests/ (and bazel/test/), copied
// unchanged into test/fixtures/smoke/cst (see ORIGIN.md there). What CST itself does
// with each, argued from its test.Parse (yaml.UnmarshalStrict) and structs:
// - 26 files it accepts; 3 it refuses (the arm64/ppc64le/s390x failure tests repeat
//   `name` in one command test, "field name already set" under UnmarshalStrict);
// - here every file CST accepts is accepted, or refused only for a containerRunOptions
//   field BuildKit cannot honour (privileged, capabilities, bindMounts, envFile).
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";

const ROOT = "test/fixtures/smoke/cst";

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(ROOT)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => path.relative(ROOT, f))
  .sort();

type Verdict = { accepted: true } | { accepted: false; cst: "accepts" | "refuses"; fields: string[] };

/** What happens to each file here, and whether CST accepts it. */
function expected(file: string): Verdict {
  const name = path.basename(file);
  if (name === "ubuntu_22_04_containeropts_envfile_test.yaml") {
    return { accepted: false, cst: "accepts", fields: ["containerRunOptions.envFile"] };
  }
  if (name === "ubuntu_22_04_containeropts_test.yaml") {
    return {
      accepted: false,
      cst: "accepts",
      fields: [
        "containerRunOptions.privileged",
        "containerRunOptions.capabilities",
        "containerRunOptions.bindMounts",
      ],
    };
  }
  if (name === "ubuntu_22_04_failure_test.yaml" && !file.startsWith("tests/amd64/")) {
    return { accepted: false, cst: "refuses", fields: ["commandTests[1].name"] };
  }
  return { accepted: true };
}

function parse(file: string) {
  const full = path.join(ROOT, file);
  return parseSmokeFile(readFileSync(full, "utf8"), full);
}

describe("container-structure-test's own test files", () => {
  it("are all here: 29 files", () => {
    expect(files).toHaveLength(29);
  });

  it.each(files)("%s", (file) => {
    const verdict = expected(file);
    if (verdict.accepted) {
      expect(() => parse(file)).not.toThrow();
      return;
    }
    let error: unknown;
    try {
      parse(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as SmokeError).issues.map((i) => i.path)).toEqual(verdict.fields);
    if (verdict.cst === "accepts") {
      for (const issue of (error as SmokeError).issues) expect(issue.message).toMatch(/is not supported: .+/);
    } else {
      expect((error as SmokeError).message).toContain("field name already set in type v1.CommandTest");
    }
  });

  it("counts: 26 accepted by CST; here 18 accepted, 8 refused only for fields BuildKit cannot honour", () => {
    const counts = { cstAccepts: 0, accepted: 0, refusedForBuildKit: 0, refusedAsCst: 0 };
    for (const file of files) {
      const verdict = expected(file);
      if (verdict.accepted || verdict.cst === "accepts") counts.cstAccepts++;
      if (verdict.accepted) counts.accepted++;
      else if (verdict.cst === "accepts") counts.refusedForBuildKit++;
      else counts.refusedAsCst++;
    }
    expect(counts).toEqual({ cstAccepts: 26, accepted: 18, refusedForBuildKit: 8, refusedAsCst: 3 });
  });

  it("reads the structure CST reads from its main test file", () => {
    const file = parse("tests/amd64/ubuntu_22_04_test.yaml");
    expect(file.commandTests.map((t) => t.command)).toEqual([
      ["apt-get", "help"],
      ["apt-config", "dump"],
      ["sh", "-c", "echo $PATH"],
    ]);
    expect(file.fileExistenceTests.map((t) => [t.path, t.shouldExist, t.uid])).toEqual([
      ["/", true, 0],
      ["/bin/date", true, -1],
      ["/etc/hosts", true, -1],
      ["/etc/machine-id", true, -1],
      ["/etc/dummy", false, -1],
    ]);
    expect(file.licenseTests).toEqual([
      { debian: false, files: ["/usr/share/doc/ubuntu-keyring/copyright", "/usr/share/doc/dash/copyright"] },
    ]);
    const metadata = parse("tests/amd64/ubuntu_22_04_metadata_test.yaml").metadataTest!;
    expect(metadata.unboundEnvVars.map((e) => e.key)).toEqual(["BAR_FOO"]);
    expect(metadata.unexposedPorts).toEqual(["80"]);
    expect(metadata.unmountedVolumes).toEqual(["/root"]);
    expect(metadata.envVars.at(-1)).toEqual({ key: "REGEX_VAR", value: "[a-z]+-2\\.1\\.*", isRegex: true });
    const v1 = parse("tests/amd64/ubuntu_22_04_failure_test.yaml");
    expect(v1.schemaVersion).toBe("1.0.0");
    expect(v1.licenseTests).toEqual([{ debian: true, files: [] }]);
  });
});
