// Object names in the append-only image bucket: `<image-name>-<YYYY-MM-DD>.tar.gz`, the
// platform's existing convention, with `-<os>-<arch>` when one image is archived for
// several platforms and `-<first 12 hex of the digest>` when the plain name is taken.
import { BackupError } from "./errors.js";

export interface BackupKeyParts {
  /** Last path segment of the repository, e.g. "comfyume-worker". */
  imageName: string;
  /** YYYY-MM-DD */
  date: string;
  /** "linux/arm64" when the archive holds one of several platforms. */
  platform?: string;
  /** The collision suffix: the image digest's first 12 hex digits. */
  shortDigest?: string;
}

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** Parses a calendar date as YYYY-MM-DD; throws BackupError on anything else (2026-02-30 too). */
export function parseBackupDate(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  // Date.parse rolls 2023-02-29 over to March 1st; formatting it back catches that.
  const valid = !Number.isNaN(at) && new Date(at).toISOString().startsWith(text);
  if (!valid)
    throw new BackupError(`the backup date ${JSON.stringify(text)} is not a calendar date as YYYY-MM-DD`);
  return text;
}

/** "sha256:0123456789abcdef…" -> "0123456789ab" */
export function shortDigest(digest: string): string {
  const hex = /^[a-z0-9]+:([0-9a-f]{12})/.exec(digest)?.[1];
  if (hex === undefined)
    throw new BackupError(`${JSON.stringify(digest)} is not a digest such as sha256:<hex>`);
  return hex;
}

/** "linux/arm/v7" -> "linux-arm-v7" */
export function platformSuffix(platform: string): string {
  return platform.split("/").join("-");
}

export function buildBackupKey(parts: BackupKeyParts): string {
  if (!NAME.test(parts.imageName)) {
    throw new BackupError(
      `the image name ${JSON.stringify(parts.imageName)} is not a repository path segment (lower-case letters, digits, '.', '_', '-')`,
    );
  }
  const date = parseBackupDate(parts.date);
  const platform = parts.platform !== undefined ? `-${platformSuffix(parts.platform)}` : "";
  const suffix = parts.shortDigest !== undefined ? `-${parts.shortDigest}` : "";
  return `${parts.imageName}-${date}${platform}${suffix}.tar.gz`;
}

/** The checksum object beside an archive, in `sha256sum -c` format. */
export function buildChecksumObject(key: string, sha256Hex: string): { key: string; body: string } {
  return { key: `${key}.sha256`, body: `${sha256Hex}  ${key}\n` };
}
