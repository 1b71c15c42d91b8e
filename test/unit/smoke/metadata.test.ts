import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmokeError } from "../../../builder/src/smoke/errors.js";
import { checkMetadata, checkMetadataFailures } from "../../../builder/src/smoke/metadata-check.js";
import {
  parseImageConfig,
  resolveLayoutConfig,
  selectPlatformConfig,
  type ImageConfig,
} from "../../../builder/src/smoke/metadata.js";
import { parseSmokeFile } from "../../../builder/src/smoke/schema.js";

// The shape `imagetools inspect --format '{{json .Image}}'` printed for the fixture image.
const RAW = {
  architecture: "amd64",
  os: "linux",
  config: {
    User: "1000",
    ExposedPorts: { "8188/tcp": {} },
    Volumes: { "/data": {} },
    Env: ["PATH=/usr/bin:/bin", "GREETING=hi there", "EMPTY=", "EQ=a=b"],
    Cmd: ["sh", "-c", "echo run"],
    WorkingDir: "/app",
    Labels: { "org.example.name": "demo", "build-date": "2026-11-23T01:56:46" },
  },
};
const CONFIG: ImageConfig = parseImageConfig(RAW);

describe("parseImageConfig", () => {
  it("reads the fields smoke tests check", () => {
    expect(CONFIG).toEqual({
      user: "1000",
      workingDir: "/app",
      env: { PATH: "/usr/bin:/bin", GREETING: "hi there", EMPTY: "", EQ: "a=b" },
      envList: [
        ["PATH", "/usr/bin:/bin"],
        ["GREETING", "hi there"],
        ["EMPTY", ""],
        ["EQ", "a=b"],
      ],
      volumes: ["/data"],
      labels: { "org.example.name": "demo", "build-date": "2026-11-23T01:56:46" },
      exposedPorts: ["8188/tcp"],
      entrypoint: [],
      cmd: ["sh", "-c", "echo run"],
    });
  });

  it("treats a config without those fields as empty", () => {
    expect(parseImageConfig({})).toEqual({
      user: "",
      workingDir: "",
      env: {},
      envList: [],
      volumes: [],
      labels: {},
      exposedPorts: [],
      entrypoint: [],
      cmd: [],
    });
  });
});

describe("selectPlatformConfig", () => {
  const multi = { "linux/amd64": { ...RAW }, "linux/arm64": { ...RAW, architecture: "arm64" } };
  it("returns a single-platform config as is", () => {
    expect(selectPlatformConfig(RAW, "linux/arm64")).toBe(RAW);
  });
  it.each([
    [undefined, "amd64"],
    ["linux/arm64", "arm64"],
    ["linux/arm64/v8", undefined],
  ])("picks %s from a multi-platform image", (platform, arch) => {
    if (arch === undefined) {
      expect(() => selectPlatformConfig(multi, platform)).toThrow(
        "the image has no linux/arm64/v8 variant; it has linux/amd64, linux/arm64",
      );
    } else {
      expect(selectPlatformConfig(multi, platform).architecture).toBe(arch);
    }
  });
});

function metadata(yaml: string) {
  return parseSmokeFile(`schemaVersion: "2.0.0"\nmetadataTest:\n${yaml}`).metadataTest!;
}

// Expected failures follow pkg/types/v2/metadata.go and the docker driver's GetConfig,
// which keeps only the port number of each exposed port.
describe("checkMetadata", () => {
  const cases: [string, string, string[]][] = [
    [
      "all passing",
      `  envVars: [{key: GREETING, value: hi there}, {key: PATH, value: "^/usr", isRegex: true}, {key: EMPTY}]
  unboundEnvVars: [{key: NOPE}]
  labels: [{key: build-date, value: '^\\d{4}-\\d{2}-\\d{2}T', isRegex: true}]
  exposedPorts: ["8188"]
  unexposedPorts: ["80"]
  volumes: [/data]
  unmountedVolumes: [/root]
  cmd: [sh, -c, echo run]
  entrypoint: []
  workdir: /app
  user: "1000"`,
      [],
    ],
    ["env var missing", "  envVars: [{key: NOPE, value: x}]", ["variable NOPE not found in image env"]],
    [
      "env var differs",
      "  envVars: [{key: GREETING, value: hi}]",
      ["env var GREETING value hi there does not match expected value: hi"],
    ],
    [
      "env regex differs",
      "  envVars: [{key: GREETING, value: '^bye', isRegex: true}]",
      ["env var GREETING value hi there does not match expected value: ^bye"],
    ],
    [
      "env regex invalid in RE2",
      "  envVars: [{key: GREETING, value: '(?=hi)', isRegex: true}]",
      ["env var GREETING value hi there does not match expected value: (?=hi)"],
    ],
    [
      "an unbound var that is set",
      "  unboundEnvVars: [{key: PATH}]",
      ["env variable PATH should not be present in image metadata"],
    ],
    ["label missing", "  labels: [{key: a, value: b}]", ["label a not found in image metadata"]],
    [
      "a port with its protocol (the driver compares numbers)",
      '  exposedPorts: ["8188/tcp"]',
      ["Port 8188/tcp not found in config (exposed: 8188)"],
    ],
    ["an exposed port that should not be", '  unexposedPorts: ["8188"]', ["Port 8188 should not be exposed"]],
    ["a volume missing", "  volumes: [/x]", ["Volume /x not found in config"]],
    ["a volume that should not be", "  unmountedVolumes: [/data]", ["Volume /data should not be mounted"]],
    [
      "cmd differs",
      "  cmd: [python3]",
      ['Image Cmd ["sh","-c","echo run"] does not match expected Cmd: ["python3"]'],
    ],
    [
      "entrypoint differs",
      "  entrypoint: [tini]",
      ['Image entrypoint [] does not match expected entrypoint: ["tini"]'],
    ],
    ["workdir differs", "  workdir: /", ["Image workdir /app does not match config workdir: /"]],
    ["user differs", "  user: root", ["Image user 1000 does not match config user: root"]],
    ["an empty key (Validate)", "  labels: [{key: '', value: b}]", ["Label key cannot be empty"]],
  ];
  it.each(cases)("%s", (_what, yaml, failures) => {
    expect(checkMetadataFailures(metadata(yaml), CONFIG)).toEqual(failures);
  });

  it("names the result like container-structure-test", () => {
    expect(checkMetadata(metadata("  user: root"), CONFIG, 12)).toEqual({
      name: "Metadata Test",
      kind: "metadata",
      passed: false,
      durationMs: 12,
      message: "Image user 1000 does not match config user: root",
    });
  });
});

describe("resolveLayoutConfig reads index.json → (index →) manifest → config", () => {
  let dir: string;
  const digests: Record<string, string> = {};
  async function blob(name: string, value: unknown): Promise<string> {
    const text = JSON.stringify(value);
    const digest = `sha256:${createHash("sha256").update(text).digest("hex")}`;
    await writeFile(path.join(dir, "blobs", "sha256", digest.slice(7)), text);
    digests[name] = digest;
    return digest;
  }
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cb-smoke-layout-"));
    await mkdir(path.join(dir, "blobs", "sha256"), { recursive: true });
    const amd = await blob("amdConfig", RAW);
    const arm = await blob("armConfig", {
      ...RAW,
      architecture: "arm64",
      config: { ...RAW.config, User: "arm" },
    });
    const manifest = (config: string) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: config },
      layers: [],
    });
    const amdManifest = await blob("amdManifest", manifest(amd));
    const armManifest = await blob("armManifest", manifest(arm));
    const index = await blob("index", {
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [
        { digest: amdManifest, platform: { os: "linux", architecture: "amd64" } },
        { digest: armManifest, platform: { os: "linux", architecture: "arm64" } },
        { digest: amdManifest, platform: { os: "unknown", architecture: "unknown" } },
      ],
    });
    await writeFile(
      path.join(dir, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: "application/vnd.oci.image.index.v1+json", digest: index }],
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("follows a multi-platform index to the requested platform", async () => {
    const amd = await resolveLayoutConfig({ kind: "oci-layout", dir });
    expect(amd).toEqual({ config: CONFIG, digest: digests.index });
    const arm = await resolveLayoutConfig({ kind: "oci-layout", dir }, "linux/arm64");
    expect(arm.config.user).toBe("arm");
  });

  it("starts from the given digest, which may be a single manifest", async () => {
    const resolved = await resolveLayoutConfig({ kind: "oci-layout", dir, digest: digests.armManifest! });
    expect(resolved).toMatchObject({ digest: digests.armManifest, config: { user: "arm" } });
  });

  it("says what is missing", async () => {
    const error = await resolveLayoutConfig({ kind: "oci-layout", dir: path.join(dir, "nope") }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmokeError);
    expect((error as SmokeError).code).toBe("SMOKE_IMAGE_NOT_FOUND");
    expect((error as SmokeError).message).toContain("could not read the image config from oci-layout://");
    const wrongPlatform = await resolveLayoutConfig({ kind: "oci-layout", dir }, "linux/s390x").catch(
      (e: unknown) => e,
    );
    expect((wrongPlatform as SmokeError).message).toContain(
      "has no linux/s390x image; it has linux/amd64, linux/arm64",
    );
  });
});
