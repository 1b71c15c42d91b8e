import { describe, expect, it } from "vitest";
import { toBackupInfo, type ArchivedObject } from "../../../builder/src/backup/archive-image.js";
import {
  buildBackupKey,
  buildChecksumObject,
  parseBackupDate,
  shortDigest,
  type BackupKeyParts,
} from "../../../builder/src/backup/backup-key.js";
import { BackupError } from "../../../builder/src/backup/errors.js";
import { choosePartSize, MIN_PART_SIZE } from "../../../builder/src/backup/upload-archive.js";

const D = `sha256:0123456789abcdef${"0".repeat(48)}`;

describe("buildBackupKey", () => {
  const table: [BackupKeyParts, string][] = [
    [{ imageName: "comfyume-worker", date: "2026-11-23" }, "comfyume-worker-2026-11-23.tar.gz"],
    [
      { imageName: "comfyume-worker", date: "2026-11-23", shortDigest: "0123456789ab" },
      "comfyume-worker-2026-11-23-0123456789ab.tar.gz",
    ],
    [{ imageName: "img", date: "2024-02-29", platform: "linux/arm64" }, "img-2024-02-29-linux-arm64.tar.gz"],
    [
      { imageName: "img", date: "2024-02-29", platform: "linux/arm/v7", shortDigest: "abcdefabcdef" },
      "img-2024-02-29-linux-arm-v7-abcdefabcdef.tar.gz",
    ],
  ];
  it.each(table)("%j -> %s", (parts, want) => expect(buildBackupKey(parts)).toBe(want));

  it.each([
    [{ imageName: "Img", date: "2026-11-23" }, /the image name "Img"/],
    [{ imageName: "a/b", date: "2026-11-23" }, /the image name "a\/b"/],
    [{ imageName: "img", date: "2026-02-30" }, /"2026-02-30" is not a calendar date/],
  ])("rejects %j", (parts, why) => {
    expect(() => buildBackupKey(parts)).toThrow(BackupError);
    expect(() => buildBackupKey(parts)).toThrow(why);
  });
});

describe("parseBackupDate", () => {
  it.each(["2026-11-23", "2024-02-29", "2000-01-01"])("accepts %s", (d) =>
    expect(parseBackupDate(d)).toBe(d),
  );
  it.each(["2026-13-01", "2023-02-29", "26-11-23", "2026-1-1", "2026-11-23T00:00:00Z", ""])(
    "rejects %j",
    (d) => {
      expect(() => parseBackupDate(d)).toThrow(/is not a calendar date as YYYY-MM-DD/);
    },
  );
});

describe("shortDigest", () => {
  it("takes the first 12 hex digits", () => expect(shortDigest(D)).toBe("0123456789ab"));
  it.each(["0123456789ab", "sha256:xyz", ""])("rejects %j", (d) => {
    expect(() => shortDigest(d)).toThrow(/is not a digest/);
  });
});

describe("buildChecksumObject", () => {
  it("writes sha256sum -c format", () =>
    expect(buildChecksumObject("img-2026-11-23.tar.gz", "ab".repeat(32))).toEqual({
      key: "img-2026-11-23.tar.gz.sha256",
      body: `${"ab".repeat(32)}  img-2026-11-23.tar.gz\n`,
    }));
});

describe("choosePartSize", () => {
  const MiB = 1024 * 1024;
  it.each([
    [0, undefined, MIN_PART_SIZE],
    [6 * 1024 * MiB, undefined, MIN_PART_SIZE], // the 5.9 GB worker: ~1,300 parts
    [100 * 1024 * MiB, undefined, Math.ceil((100 * 1024 * MiB * 1.1) / 9000)],
    [0, 1 * MiB, MIN_PART_SIZE], // never under the S3 minimum
    [0, 16 * MiB, 16 * MiB],
  ])("%i bytes, requested %j -> %i", (estimate, requested, want) =>
    expect(choosePartSize(estimate, requested)).toBe(want),
  );
});

describe("toBackupInfo", () => {
  const obj = (platform: string, key: string, bytes: number): ArchivedObject => ({
    key,
    bytes,
    platform,
    sha256: "ab".repeat(32),
    parts: 1,
    existing: false,
  });
  it("one platform carries its sha256 and platform", () =>
    expect(toBackupInfo("b", [obj("linux/amd64", "k.tar.gz", 10)])).toEqual({
      key: "k.tar.gz",
      bytes: 10,
      bucket: "b",
      sha256: "ab".repeat(32),
      platform: "linux/amd64",
      objects: [{ key: "k.tar.gz", bytes: 10, platform: "linux/amd64" }],
    }));
  it("several platforms sum the bytes and list the objects", () =>
    expect(toBackupInfo("b", [obj("linux/amd64", "a", 10), obj("linux/arm64", "b", 5)])).toEqual({
      key: "a",
      bytes: 15,
      bucket: "b",
      objects: [
        { key: "a", bytes: 10, platform: "linux/amd64" },
        { key: "b", bytes: 5, platform: "linux/arm64" },
      ],
    }));
});
