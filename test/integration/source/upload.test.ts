import { createHash, randomBytes } from "node:crypto";
import { lstat, mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../../helpers/wait-for.js";
import { UploadError } from "../../../builder/src/source/source-error.js";
import { deflatedMember, storedMember } from "../../../trigger/src/context/gzip-member.js";
import { ingestUpload } from "../../../builder/src/source/upload.js";

interface E {
  name: string;
  /** Raw content (binary); `content` is for text. */
  data?: Buffer;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo" | "block-device";
  linkname?: string;
  content?: string;
  mode?: number;
}

async function makeTar(entries: E[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    const { content, data, ...header } = e;
    await new Promise<void>((resolve, reject) =>
      pack.entry({ type: "file", mode: 0o644, ...header }, data ?? content ?? "", (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

let work: string;
let dest: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "upload-"));
  dest = path.join(work, "ctx");
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const GOOD: E[] = [
  { name: "Dockerfile", content: "FROM scratch\nCOPY . /\n" },
  { name: "app/", type: "directory", mode: 0o755 },
  { name: "app/main.py", content: "print('hi')\n", mode: 0o755 },
  { name: "app/link-to-main", type: "symlink", linkname: "main.py" },
  { name: "app/deep/up", type: "symlink", linkname: "../../Dockerfile" },
  { name: "app/hard", type: "link", linkname: "app/main.py" },
  { name: "./dotted/./file.txt", content: "x" },
];

/** Delivers `body` in chunks of the given sizes, cycling, as a slow network would. */
function chunked(body: Buffer, sizes: number[]): Readable {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = sizes[i % sizes.length]!;
    parts.push(body.subarray(at, at + n));
    at += n;
  }
  return Readable.from(parts);
}

/** Large files past the batch size with odd lengths, many small ones, a repeated name, a link. */
function mixedEntries(): E[] {
  const entries: E[] = [
    { name: "big/a.bin", data: randomBytes(3 * 1024 * 1024 + 17) },
    { name: "dup.txt", content: "first version, longer than the second" },
  ];
  for (let i = 0; i < 300; i++) entries.push({ name: `src/p${i % 7}/f${i}.py`, data: randomBytes(i * 37) });
  entries.push(
    { name: "big/b.bin", data: randomBytes(1024 * 1024) },
    { name: "dup.txt", content: "second" },
    { name: "src/p0/f299-hard", type: "link", linkname: "src/p5/f299.py" },
  );
  return entries;
}

async function expectNothingLeft(): Promise<void> {
  expect(await readdir(work)).toEqual([]);
}

describe("ingestUpload", () => {
  it.each([false, true])("unpacks a good archive (gzip %s) with the right files and hash", async (gz) => {
    const raw = await makeTar(GOOD);
    const body = gz ? gzipSync(raw) : raw;
    const res = await ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: dest });
    expect(res).toEqual({
      sha256: createHash("sha256").update(raw).digest("hex"),
      bytes: raw.length,
      files: 6,
      dir: dest,
    });
    expect(await readFile(path.join(dest, "Dockerfile"), "utf8")).toBe("FROM scratch\nCOPY . /\n");
    expect(await readlink(path.join(dest, "app/link-to-main"))).toBe("main.py");
    expect(await readFile(path.join(dest, "app/deep/up"), "utf8")).toBe("FROM scratch\nCOPY . /\n");
    expect((await stat(path.join(dest, "app/hard"))).ino).toBe(
      (await stat(path.join(dest, "app/main.py"))).ino,
    );
    expect((await stat(path.join(dest, "app/main.py"))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(dest, "dotted/file.txt"), "utf8")).toBe("x");
    expect((await readdir(work)).filter((n) => n !== "ctx")).toEqual([]);
  });

  it("digests the tar archive, not its framing: plain, stored, level 9, multi-member and the trigger's indexed gzip agree", async () => {
    const raw = await makeTar(GOOD);
    const half = raw.length >> 1;
    const indexed = Buffer.concat([
      storedMember(raw.subarray(0, half)),
      await deflatedMember(raw.subarray(half), 1),
    ]);
    const bodies = [
      raw,
      indexed,
      gzipSync(raw, { level: 0 }),
      gzipSync(raw, { level: 9 }),
      Buffer.concat([
        gzipSync(raw.subarray(0, half), { level: 1 }),
        gzipSync(raw.subarray(half), { level: 0 }),
      ]),
    ];
    const got = [];
    for (const [i, body] of bodies.entries()) {
      got.push(
        await ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: path.join(work, `d${i}`) }),
      );
    }
    const want = { sha256: createHash("sha256").update(raw).digest("hex"), bytes: raw.length, files: 6 };
    for (const res of got) expect(res).toMatchObject(want);
  });

  it("accepts a web ReadableStream body and a gzip hint", async () => {
    const body = gzipSync(await makeTar([{ name: "a.txt", content: "a" }]));
    const res = await ingestUpload(Readable.toWeb(Readable.from([body])), {
      maxBytes: 1 << 20,
      destDir: dest,
      gzip: true,
    });
    expect(res.files).toBe(1);
  });

  it.each([false, true])(
    "unpacks a mixed archive byte for byte from odd-sized chunks (gzip %s)",
    async (gz) => {
      const entries = mixedEntries();
      const raw = await makeTar(entries);
      const body = gz ? gzipSync(raw) : raw;
      const res = await ingestUpload(chunked(body, [1, 7777, 65536, 3]), {
        maxBytes: 64 << 20,
        destDir: dest,
      });
      expect(res).toEqual({
        sha256: createHash("sha256").update(raw).digest("hex"),
        bytes: raw.length,
        files: entries.length,
        dir: dest,
      });
      const last = new Map(entries.filter((e) => e.type === undefined).map((e) => [e.name, e]));
      // Compared by digest: a deep equality over megabytes of bytes takes tens of seconds.
      const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
      for (const [name, e] of last) {
        expect(sha(await readFile(path.join(dest, name))), name).toBe(
          sha(e.data ?? Buffer.from(e.content ?? "")),
        );
      }
      expect(await readFile(path.join(dest, "dup.txt"), "utf8")).toBe("second");
      expect((await stat(path.join(dest, "src/p0/f299-hard"))).ino).toBe(
        (await stat(path.join(dest, "src/p5/f299.py"))).ino,
      );
    },
  );

  it("accepts an empty archive", async () => {
    const body = await makeTar([]);
    const res = await ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: dest });
    expect(res).toMatchObject({ bytes: body.length, files: 0 });
    expect(await readdir(dest)).toEqual([]);
  });

  const BAD: [string, E[], RegExp][] = [
    [
      "absolute path",
      [{ name: "ok.txt" }, { name: "/etc/evil", content: "x" }],
      /entry "\/etc\/evil" has an absolute path/,
    ],
    ["dot-dot", [{ name: "a/../../evil", content: "x" }], /entry "a\/..\/..\/evil" has a '\.\.' segment/],
    [
      "symlink out",
      [{ name: "l", type: "symlink", linkname: "../outside" }],
      /symlink "l" -> "..\/outside" points outside/,
    ],
    [
      "absolute symlink",
      [{ name: "l", type: "symlink", linkname: "/etc/passwd" }],
      /symlink "l" -> "\/etc\/passwd"/,
    ],
    [
      "symlink through a link-to-dot",
      [
        { name: "a", type: "symlink", linkname: "." },
        { name: "l", type: "symlink", linkname: "a/../x" },
      ],
      /symlink "l" -> "a\/..\/x" has '\.\.' after a name/,
    ],
    [
      "write through a symlink",
      [
        { name: "d", type: "directory" },
        { name: "s", type: "symlink", linkname: "d" },
        { name: "s/f", content: "x" },
      ],
      /entry "s\/f" lies below the symlink "s"/,
    ],
    [
      "hardlink out",
      [{ name: "h", type: "link", linkname: "../../etc/passwd" }],
      /entry "..\/..\/etc\/passwd" has a '\.\.' segment/,
    ],
    [
      "absolute hardlink",
      [{ name: "h", type: "link", linkname: "/etc/passwd" }],
      /hardlink "h" -> "\/etc\/passwd" points outside/,
    ],
    [
      "hardlink to a symlink",
      [
        { name: "x/y/l", type: "symlink", linkname: "../../f" },
        { name: "h", type: "link", linkname: "x/y/l" },
      ],
      /hardlink target "x\/y\/l" would replace a symlink/,
    ],
    [
      "hardlink to nothing",
      [{ name: "h", type: "link", linkname: "missing" }],
      /hardlink "h" -> "missing" cannot be made/,
    ],
    ["char device", [{ name: "tty", type: "character-device" }], /entry "tty" is a character-device/],
    ["block device", [{ name: "sda", type: "block-device" }], /entry "sda" is a block-device/],
    ["fifo", [{ name: "pipe", type: "fifo" }], /entry "pipe" is a fifo/],
    ["path too long", [{ name: `${"d/".repeat(2100)}f`, content: "x" }], /longer than 4096 characters/],
    [
      "a file, then a file below it",
      [
        { name: "a", content: "x" },
        { name: "a/b", content: "y" },
      ],
      /conflicting entries/,
    ],
    [
      "a directory, then a file of the same name",
      [
        { name: "d", type: "directory" },
        { name: "d", content: "y" },
      ],
      /conflicting entries/,
    ],
    [
      "a file, then a symlink of the same name",
      [
        { name: "f", content: "x" },
        { name: "f", type: "symlink", linkname: "first.txt" },
      ],
      /conflicting entries|symlink/,
    ],
  ];

  it.each(BAD)(
    "rejects %s with an UploadError and leaves nothing behind",
    async (_what, entries, message) => {
      const body = await makeTar([{ name: "first.txt", content: "ok" }, ...entries]);
      const err = await ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: dest }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UploadError);
      expect(err).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
      expect((err as Error).message).toMatch(message);
      await expectNothingLeft();
    },
  );

  it("leaves nothing behind when a bad entry follows many small and large writes", async () => {
    const body = gzipSync(await makeTar([...mixedEntries(), { name: "../escape", content: "x" }]));
    await expect(ingestUpload(chunked(body, [65536]), { maxBytes: 64 << 20, destDir: dest })).rejects.toThrow(
      /entry "..\/escape" has a '\.\.' segment/,
    );
    await expectNothingLeft();
  });

  it("rejects a tar truncated inside a large file and leaves nothing behind", async () => {
    const raw = await makeTar(mixedEntries());
    const err = await ingestUpload(Readable.from([raw.subarray(0, 2 * 1024 * 1024)]), {
      maxBytes: 64 << 20,
      destDir: dest,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as Error).message).toMatch(/not a valid tar archive/);
    await expectNothingLeft();
  });

  it("counts the gzip body as sent against maxBytes", async () => {
    const body = gzipSync(await makeTar([{ name: "noise", data: randomBytes(300_000) }]));
    await expect(ingestUpload(Readable.from([body]), { maxBytes: 200_000, destDir: dest })).rejects.toThrow(
      "the upload is larger than the limit of 200000 bytes (BUILDER_MAX_UPLOAD_BYTES)",
    );
    await expectNothingLeft();
  });

  it("rejects too many entries", async () => {
    const body = await makeTar(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}`, content: "x" })));
    await expect(
      ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: dest, limits: { maxEntries: 10 } }),
    ).rejects.toThrow("the archive has more than 10 entries");
    await expectNothingLeft();
  });

  it("rejects a truncated gzip", async () => {
    const gz = gzipSync(await makeTar(GOOD));
    const err = await ingestUpload(Readable.from([gz.subarray(0, gz.length - 30)]), {
      maxBytes: 1 << 20,
      destDir: dest,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as Error).message).toMatch(/not a valid gzip stream/);
    await expectNothingLeft();
  });

  it("rejects a truncated tar", async () => {
    const raw = await makeTar([{ name: "big.bin", content: "y".repeat(5000) }]);
    const err = await ingestUpload(Readable.from([raw.subarray(0, 2048)]), {
      maxBytes: 1 << 20,
      destDir: dest,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as Error).message).toMatch(/not a valid tar archive/);
    await expectNothingLeft();
  });

  it("rejects garbage that is not an archive", async () => {
    const body = Buffer.from("this is not a tar archive at all ".repeat(40));
    await expect(
      ingestUpload(Readable.from([body]), { maxBytes: 1 << 20, destDir: dest }),
    ).rejects.toBeInstanceOf(UploadError);
    await expectNothingLeft();
  });

  it("stops reading as soon as the body is over maxBytes", async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 65536;
        this.push(Buffer.alloc(65536));
      },
    });
    const err = await ingestUpload(endless, { maxBytes: 1_000_000, destDir: dest }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UploadError);
    expect((err as Error).message).toBe(
      "the upload is larger than the limit of 1000000 bytes (BUILDER_MAX_UPLOAD_BYTES)",
    );
    expect(produced).toBeLessThan(2_000_000);
    await expectNothingLeft();
  });

  it("stops a gzip bomb as soon as it inflates past maxBytes, gunzip and indexed alike", async () => {
    // A small archive and then zeros: its entries fit, only what it inflates to is over.
    const raw = Buffer.concat([await makeTar([{ name: "a.txt", content: "a" }]), Buffer.alloc(8_000_000)]);
    const members: Buffer[] = [];
    for (let at = 0; at < raw.length; at += 1 << 20)
      members.push(await deflatedMember(raw.subarray(at, at + (1 << 20)), 9));
    for (const body of [gzipSync(raw, { level: 9 }), Buffer.concat(members)]) {
      expect(body.length).toBeLessThan(100_000);
      const err = await ingestUpload(Readable.from([body]), { maxBytes: 1_000_000, destDir: dest }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UploadError);
      expect(err).toMatchObject({ status: 413 });
      expect((err as Error).message).toBe(
        "the upload inflates to more than the limit of 1000000 bytes (BUILDER_MAX_UPLOAD_BYTES); it was stopped there",
      );
      await expectNothingLeft();
    }
  });

  it("charges each entry its footprint on disk: many one-byte files stop at the limit", async () => {
    // 300 one-byte files: 300 × (4 KiB + 512) = 1.4 MB charged for a ~300 KiB tar.
    const entries = Array.from({ length: 300 }, (_, i) => ({ name: `d${i % 3}/f${i}`, content: "x" }));
    const body = gzipSync(await makeTar(entries));
    const err = await ingestUpload(Readable.from([body]), { maxBytes: 1_000_000, destDir: dest }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ status: 413 });
    expect((err as Error).message).toMatch(
      /^the archive unpacks to more than 1000000 bytes on disk \(at entry "d\d\/f\d+"; each entry counts 512 bytes plus its data in whole 4 KiB blocks\)/,
    );
    await expectNothingLeft();
    // The same files fit a limit that covers their blocks and directories.
    const res = await ingestUpload(Readable.from([body]), { maxBytes: 1_500_000, destDir: dest });
    expect(res.files).toBe(300);
  });

  it("derives the entry limit from maxBytes: one entry per 4 KiB", async () => {
    const body = await makeTar(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}` })));
    // 100 KiB allows 25 entries; 30 empty files are only 15 KiB of footprint.
    await expect(
      ingestUpload(Readable.from([body]), { maxBytes: 100 * 1024, destDir: dest }),
    ).rejects.toThrow(
      "the archive has more than 25 entries (one per 4 KiB of BUILDER_MAX_UPLOAD_BYTES, at most 200000)",
    );
    await expectNothingLeft();
  });

  it("asks for free space before reading and while unpacking; a low disk stops it with DISK_LOW", async () => {
    const body = await makeTar(
      Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, data: randomBytes(300_000) })),
    );
    let asked = 0;
    const lowAfter = (n: number) => ({
      everyBytes: 512 * 1024,
      check: () => Promise.resolve(++asked > n ? "not enough free space on /x: 1 MiB free" : undefined),
    });
    const refused = await ingestUpload(Readable.from([body]), {
      maxBytes: 8 << 20,
      destDir: dest,
      space: lowAfter(0),
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "DISK_LOW", status: 507 });
    expect((refused as Error).message).toBe(
      "the upload was refused: not enough free space on /x: 1 MiB free",
    );
    expect(asked).toBe(1);
    await expectNothingLeft();
    asked = 0;
    const stopped = await ingestUpload(Readable.from([body]), {
      maxBytes: 8 << 20,
      destDir: dest,
      space: lowAfter(2),
    }).catch((e: unknown) => e);
    expect(stopped).toMatchObject({ code: "DISK_LOW", status: 507 });
    expect((stopped as Error).message).toMatch(/^the upload was stopped: not enough free space/);
    expect(asked).toBe(3);
    await expectNothingLeft();
  });

  it("empties but keeps a destination that existed, and refuses a non-empty one", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(dest);
    await expect(
      ingestUpload(Readable.from([await makeTar([{ name: "/abs" }])]), { maxBytes: 1 << 20, destDir: dest }),
    ).rejects.toBeInstanceOf(UploadError);
    expect(await readdir(dest)).toEqual([]);
    expect((await lstat(dest)).isDirectory()).toBe(true);
    await writeFile(path.join(dest, "x"), "x");
    await expect(
      ingestUpload(Readable.from([await makeTar([{ name: "a" }])]), { maxBytes: 1 << 20, destDir: dest }),
    ).rejects.toThrow(/is not empty/);
  });

  it("stops when aborted", async () => {
    const ac = new AbortController();
    const slow = new Readable({ read() {} });
    const p = ingestUpload(slow, { maxBytes: 1 << 20, destDir: dest, signal: ac.signal });
    slow.push(Buffer.alloc(1000));
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    await expectNothingLeft();
  });

  it("stops when aborted in the middle of a large file and removes what was written", async () => {
    const raw = await makeTar([{ name: "small.txt", content: "s" }, ...mixedEntries()]);
    const ac = new AbortController();
    const slow = new Readable({ read() {} });
    const p = ingestUpload(slow, { maxBytes: 64 << 20, destDir: dest, signal: ac.signal });
    slow.push(raw.subarray(0, 2 * 1024 * 1024));
    await waitFor(
      () =>
        stat(path.join(dest, "big/a.bin")).then(
          (s) => s.size >= 1024 * 1024,
          () => false,
        ),
      {
        what: "the large file to be partly written",
      },
    );
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    await expectNothingLeft();
  });
});

describe("the end of the archive", () => {
  it("stops parsing at the end-of-archive marker: zero padding after it is counted and hashed, not parsed", async () => {
    const raw = await makeTar([{ name: "a.txt", content: "a" }]);
    const padded = Buffer.concat([raw, Buffer.alloc(48 * 1024 * 1024)]);
    const started = performance.now();
    const res = await ingestUpload(Readable.from([gzipSync(padded)]), { maxBytes: 64 << 20, destDir: dest });
    // tar-stream decodes each 512-byte block it is given at ~25 µs: 48 MiB of padding took
    // over 2 s of event-loop time when it was parsed; hashing it is a fraction of that.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(res).toMatchObject({
      files: 1,
      bytes: padded.length,
      sha256: createHash("sha256").update(padded).digest("hex"),
    });
    expect(await readFile(path.join(dest, "a.txt"), "utf8")).toBe("a");
  });
});
