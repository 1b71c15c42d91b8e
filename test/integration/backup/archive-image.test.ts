// The backup against s3rver (a real S3-protocol server) and images pushed to the real
// authenticated registry: download what was archived, unpack it and check it is a
// complete OCI image layout whose blobs hash to their names.
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { archiveImage } from "../../../builder/src/backup/archive-image.js";
import { resolveObjectSize } from "../../../builder/src/backup/bucket-objects.js";
import { createR2Client } from "../../../builder/src/backup/r2.js";
import { runChecked } from "../../../builder/src/process/spawn.js";
import { RegistryClient } from "../../../builder/src/registry/client.js";
import { startS3rver, type S3rverHandle } from "../../helpers/s3rver.js";
import { stack } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { pushImage, uniqueRepository, type PushedImage } from "../registry/push-image.js";

const s = stack();
const DATE = "2026-11-23";
let s3server: S3rverHandle;
let s3: S3Client;
const commands: string[] = [];
let onCommand: ((name: string, input: { Key?: string }) => void | Promise<void>) | undefined;
const registry = new RegistryClient({
  credentials: (host) => (host === s.registry ? { username: s.user, password: s.password } : undefined),
});

beforeAll(async () => {
  s3server = await startS3rver();
  s3 = createR2Client(s3server);
  // Counts the S3 commands the backup sends (to see multipart happen), passing each on untouched.
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(context.commandName ?? "?");
      await onCommand?.(context.commandName ?? "?", args.input as { Key?: string });
      return next(args);
    },
    { step: "initialize", name: "countCommands" },
  );
});

afterAll(async () => {
  s3?.destroy();
  await s3server?.close();
});

async function download(key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: s3server.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

async function untar(gz: Buffer): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === "file") files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(gunzipSync(gz));
  await done;
  return files;
}

interface Desc {
  digest: string;
  size: number;
  mediaType: string;
  platform?: { os: string; architecture: string };
}

/** Checks the layout is complete and every blob hashes to its name; returns the platform manifest. */
function checkLayout(files: Map<string, Buffer>, platform: string) {
  expect(JSON.parse(files.get("oci-layout")!.toString())).toEqual({ imageLayoutVersion: "1.0.0" });
  for (const [name, data] of files) {
    if (!name.startsWith("blobs/")) continue;
    expect(`blobs/sha256/${createHash("sha256").update(data).digest("hex")}`).toBe(name);
  }
  const index = JSON.parse(files.get("index.json")!.toString()) as { manifests: Desc[] };
  expect(index.manifests).toHaveLength(1);
  const top = index.manifests[0]!;
  expect(`${top.platform?.os}/${top.platform?.architecture}`).toBe(platform);
  const blob = (d: Desc) => files.get(`blobs/sha256/${d.digest.slice("sha256:".length)}`);
  expect(blob(top)?.length).toBe(top.size);
  const manifest = JSON.parse(blob(top)!.toString()) as { config: Desc; layers: Desc[] };
  for (const d of [manifest.config, ...manifest.layers]) expect(blob(d)?.length).toBe(d.size);
  const config = JSON.parse(blob(manifest.config)!.toString()) as { os: string; architecture: string };
  expect(`${config.os}/${config.architecture}`).toBe(platform);
  return { manifest, files: files.size };
}

async function checkChecksum(key: string, gz: Buffer) {
  const sum = (await download(`${key}.sha256`)).toString();
  expect(sum).toBe(`${createHash("sha256").update(gz).digest("hex")}  ${key}\n`);
}

describe("archiveImage", () => {
  let image: PushedImage;
  let firstKey: string | undefined;
  beforeAll(async () => {
    image = await pushImage({ repository: uniqueRepository("backup"), tags: ["v1"] });
  });

  it("archives a pushed image as a complete OCI layout with a .sha256 object", async () => {
    const lines: string[] = [];
    const name = image.name.split("/").pop()!;
    const info = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.refs[0]}@${image.digest}`,
      platforms: ["linux/amd64"],
      date: DATE,
      onLine: (l) => lines.push(l),
    });
    expect(info.key).toBe(`${name}-${DATE}.tar.gz`);
    firstKey = info.key;
    expect(info.platform).toBe("linux/amd64");
    const gz = await download(info.key);
    expect(info.bytes).toBe(gz.length);
    expect(info.sha256).toBe(createHash("sha256").update(gz).digest("hex"));
    checkLayout(await untar(gz), "linux/amd64");
    await checkChecksum(info.key, gz);
    expect(lines.at(-1)).toMatch(new RegExp(`archived linux/amd64 as ${info.key}: ${gz.length} bytes`));

    // Same image, same day: the plain name is taken, so the digest-suffixed one is used...
    const before = await s3.send(new HeadObjectCommand({ Bucket: s3server.bucket, Key: info.key }));
    const again = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.name}@${image.digest}`,
      platforms: ["linux/amd64"],
      date: DATE,
    });
    const short = image.digest.slice("sha256:".length, "sha256:".length + 12);
    expect(again.key).toBe(`${name}-${DATE}-${short}.tar.gz`);
    checkLayout(await untar(await download(again.key)), "linux/amd64");
    // ...and the first object is untouched.
    const after = await s3.send(new HeadObjectCommand({ Bucket: s3server.bucket, Key: info.key }));
    expect(after.ETag).toBe(before.ETag);
    expect(after.LastModified).toEqual(before.LastModified);
    expect((await download(info.key)).equals(gz)).toBe(true);

    // A third time: both names hold this image; report the existing object, write nothing.
    const puts = commands.length;
    const third = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.name}@${image.digest}`,
      platforms: ["linux/amd64"],
      date: DATE,
    });
    expect(third.key).toBe(again.key);
    expect(third.bytes).toBe(again.bytes);
    expect(third.sha256).toBe(again.sha256);
    expect(commands.slice(puts).filter((c) => /Put|Upload/.test(c))).toEqual([]);
  });

  it("the archive restores with `docker load` under the pushed name", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "h3-load-"));
    const docker = "/usr/bin/docker";
    try {
      const file = path.join(dir, "image.tar.gz");
      await writeFile(file, await download(firstKey!));
      await runChecked([docker, "load", "-i", file]);
      const out = await runChecked([docker, "run", "--rm", "--network=none", image.refs[0]!, "cat", "/id"]);
      expect(out.stdout.join("")).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await runChecked([docker, "image", "rm", "--force", image.refs[0]!]).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a name taken between the check and the write (R2 answers 412) falls back to -<shortDigest>", async () => {
    const date = "2026-11-25";
    const name = image.name.split("/").pop()!;
    const base = `${name}-${date}.tar.gz`;
    // Another writer (a second replica, say) creates the object just before our PutObject.
    const other = createR2Client(s3server);
    const lines: string[] = [];
    onCommand = async (command, input) => {
      if (command !== "PutObjectCommand" || input.Key !== base) return;
      onCommand = undefined;
      await other.send(
        new PutObjectCommand({ Bucket: s3server.bucket, Key: base, Body: "the other writer's archive" }),
      );
    };
    try {
      const info = await archiveImage({
        s3,
        bucket: s3server.bucket,
        registry,
        imageRef: `${image.name}@${image.digest}`,
        platforms: ["linux/amd64"],
        date,
        onLine: (l) => lines.push(l),
      });
      const short = image.digest.slice("sha256:".length, "sha256:".length + 12);
      expect(info.key).toBe(`${name}-${date}-${short}.tar.gz`);
      expect(s3server.preconditionFailures()).toBeGreaterThanOrEqual(1);
      expect(lines).toContain(
        `${s3server.bucket}/${base} was created by someone else meanwhile; using ${info.key}`,
      );
      expect((await download(base)).toString()).toBe("the other writer's archive");
      checkLayout(await untar(await download(info.key)), "linux/amd64");
      await checkChecksum(info.key, await download(info.key));
    } finally {
      onCommand = undefined;
      other.destroy();
    }
  });

  it("refuses a reference without a digest", async () => {
    await expect(
      archiveImage({
        s3,
        bucket: s3server.bucket,
        registry,
        imageRef: image.refs[0]!,
        platforms: ["linux/amd64"],
        date: DATE,
      }),
    ).rejects.toThrow(/has no digest; archive the pushed image as name@sha256/);
  });

  it("names a platform the image does not have", async () => {
    const err = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.name}@${image.digest}`,
      platforms: ["linux/arm64"],
      date: DATE,
    }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("BACKUP_FAILED");
    expect((err as Error).message).toMatch(/has no linux\/arm64 manifest; it has linux\/amd64/);
  });
});

describe("archiveImage, large and multi-platform", () => {
  let big: PushedImage;
  beforeAll(async () => {
    // Random bytes do not compress: the gzipped archive stays over two 5 MiB parts.
    big = await pushImage({
      repository: uniqueRepository("big"),
      tags: ["v1"],
      extraLines: ["RUN head -c 7340032 /dev/urandom > /random.bin"],
      provenance: false,
    });
  });

  it("a cancelled backup stops, aborts the multipart upload and leaves no object", async () => {
    const controller = new AbortController();
    const start = commands.length;
    // Cancel once the first part is on its way, i.e. mid-stream.
    onCommand = (name) => {
      if (name === "UploadPartCommand") controller.abort(new Error("cancelled by the test"));
    };
    try {
      const err = await archiveImage({
        s3,
        bucket: s3server.bucket,
        registry,
        imageRef: `${big.refs[0]}@${big.digest}`,
        platforms: ["linux/amd64"],
        date: "2026-11-24",
        signal: controller.signal,
      }).catch((e: unknown) => e);
      expect((err as Error).message).toBe("cancelled by the test");
    } finally {
      onCommand = undefined;
    }
    // lib-storage aborts the multipart upload just after done() rejects on a cancel.
    await waitFor(() => commands.slice(start).includes("AbortMultipartUploadCommand"), {
      what: "AbortMultipartUpload after the cancel",
    });
    expect(commands.slice(start)).not.toContain("CompleteMultipartUploadCommand");
    const key = `${big.name.split("/").pop()}-2026-11-24.tar.gz`;
    expect(await resolveObjectSize(s3, s3server.bucket, key)).toBeUndefined();
    expect(await resolveObjectSize(s3, s3server.bucket, `${key}.sha256`)).toBeUndefined();
  });

  it("streams a >5 MiB image in several parts and reads back byte-identical", async () => {
    const image = big;
    const start = commands.length;
    const info = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.refs[0]}@${image.digest}`,
      platforms: ["linux/amd64"],
      date: DATE,
    });
    const sent = commands.slice(start);
    expect(sent.filter((c) => c === "UploadPartCommand").length).toBeGreaterThanOrEqual(2);
    expect(sent).toContain("CompleteMultipartUploadCommand");
    expect(info.bytes).toBeGreaterThan(7 * 1024 * 1024);
    const gz = await download(info.key);
    expect(gz.length).toBe(info.bytes);
    expect(createHash("sha256").update(gz).digest("hex")).toBe(info.sha256);
    const { manifest } = checkLayout(await untar(gz), "linux/amd64");
    expect(manifest.layers.some((l) => l.size > 7 * 1024 * 1024)).toBe(true);
    await checkChecksum(info.key, gz);
  });

  it("archives one object per platform of a multi-platform image", async () => {
    const image = await pushImage({
      repository: uniqueRepository("multi"),
      tags: ["v1"],
      platforms: ["linux/amd64", "linux/arm64"],
    });
    const name = image.name.split("/").pop()!;
    const info = await archiveImage({
      s3,
      bucket: s3server.bucket,
      registry,
      imageRef: `${image.refs[0]}@${image.digest}`,
      platforms: ["linux/amd64", "linux/arm64"],
      date: DATE,
    });
    expect(info.objects?.map((o) => [o.key, o.platform])).toEqual([
      [`${name}-${DATE}-linux-amd64.tar.gz`, "linux/amd64"],
      [`${name}-${DATE}-linux-arm64.tar.gz`, "linux/arm64"],
    ]);
    let total = 0;
    for (const o of info.objects!) {
      const gz = await download(o.key);
      expect(gz.length).toBe(o.bytes);
      total += o.bytes;
      checkLayout(await untar(gz), o.platform);
      await checkChecksum(o.key, gz);
    }
    expect(info.bytes).toBe(total);
  });
});
