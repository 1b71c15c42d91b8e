// Packing a real directory and reading the tar back (real files, real gzip, real tar-stream).
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { packContext, resolveContextFilter } from "../../../trigger/src/context/pack.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "trigger-pack-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entries(stream: Readable): Promise<Map<string, { type: string; body: string }>> {
  const out = new Map<string, { type: string; body: string }>();
  const ex = extract();
  ex.on("entry", (header, body, next) => {
    const chunks: Buffer[] = [];
    body.on("data", (c: unknown) => void chunks.push(c as Buffer));
    body.on("end", () => {
      out.set(header.name, { type: header.type ?? "file", body: Buffer.concat(chunks).toString() });
      next();
    });
  });
  await pipeline(stream, createGunzip(), ex);
  return out;
}

describe("packContext", () => {
  it("writes names and link targets that do not fit a plain tar header (pax) and multi-block files, read back by tar-stream and GNU tar", async () => {
    const long = `${"deep-directory-name/".repeat(14)}file-with-a-long-name.txt`; // 300 characters
    const unicode = "données/ÜBER-naïve-名前.txt";
    const target = `${"t".repeat(150)}.txt`;
    await mkdir(path.join(dir, path.dirname(long)), { recursive: true });
    await writeFile(path.join(dir, long), "long\n");
    await mkdir(path.join(dir, "données"));
    await writeFile(path.join(dir, unicode), "unicode\n");
    await symlink(target, path.join(dir, "link"));
    // Several 1 MiB blocks, some stored (random) and some deflated (text): one gzip stream.
    const mixed = Buffer.concat([randomBytes(1536 * 1024), Buffer.from("text line\n".repeat(200_000))]);
    await writeFile(path.join(dir, "mixed.bin"), mixed);
    const packed = packContext(dir, await resolveContextFilter(dir));
    const chunks: Buffer[] = [];
    for await (const c of packed.stream) chunks.push(c as Buffer);
    await packed.done;
    const archive = Buffer.concat(chunks);
    const got = await entries(Readable.from([archive]));
    expect(got.get(long)).toEqual({ type: "file", body: "long\n" });
    expect(got.get(unicode)).toEqual({ type: "file", body: "unicode\n" });
    expect(got.get("link")?.type).toBe("symlink");
    // GNU tar agrees, including the symlink target.
    const out = path.join(dir, "..", `${path.basename(dir)}-x`);
    await mkdir(out);
    try {
      execFileSync("tar", ["-xz", "-C", out], { input: archive });
      expect(await readFile(path.join(out, long), "utf8")).toBe("long\n");
      expect(await readFile(path.join(out, unicode), "utf8")).toBe("unicode\n");
      expect(await readlink(path.join(out, "link"))).toBe(target);
      expect((await readFile(path.join(out, "mixed.bin"))).equals(mixed)).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("sends what .dockerignore allows, counts files and bytes, and is deterministic", async () => {
    await writeFile(path.join(dir, "Dockerfile"), "FROM scratch\n");
    const ignoreText = "# big things stay home\nbig.bin\nnode_modules\n*.log\n!keep.log\n";
    await writeFile(path.join(dir, ".dockerignore"), ignoreText);
    await writeFile(path.join(dir, "big.bin"), Buffer.alloc(1024 * 1024));
    await writeFile(path.join(dir, "a.log"), "no");
    await writeFile(path.join(dir, "keep.log"), "yes");
    await mkdir(path.join(dir, "node_modules/x"), { recursive: true });
    await writeFile(path.join(dir, "node_modules/x/i.js"), "no");
    await mkdir(path.join(dir, "src"));
    await writeFile(path.join(dir, "src/app.py"), "print(1)\n");
    await symlink("app.py", path.join(dir, "src/link.py"));

    const filter = await resolveContextFilter(dir);
    const packed = packContext(dir, filter);
    const got = await entries(packed.stream);
    await packed.done;
    expect([...got.keys()].sort()).toEqual([
      ".dockerignore",
      "Dockerfile",
      "keep.log",
      "src/",
      "src/app.py",
      "src/link.py",
    ]);
    expect(got.get("src/link.py")?.type).toBe("symlink");
    expect(got.get("src/app.py")?.body).toBe("print(1)\n");
    expect(packed.stats.files).toBe(4);
    expect(packed.stats.contentBytes).toBe(13 + ignoreText.length + 3 + 9);
    expect(packed.stats.sentBytes).toBeGreaterThan(0);
    expect(packed.stats.sentBytes).toBeLessThan(4096);

    const again = packContext(dir, filter);
    const a: Buffer[] = [];
    for await (const c of again.stream) a.push(c as Buffer);
    const b: Buffer[] = [];
    for await (const c of packContext(dir, filter).stream) b.push(c as Buffer);
    expect(Buffer.concat(a).equals(Buffer.concat(b))).toBe(true);
  });

  it("works without a .dockerignore", async () => {
    await writeFile(path.join(dir, "f"), "x");
    const packed = packContext(dir, await resolveContextFilter(dir));
    expect([...(await entries(packed.stream)).keys()]).toEqual(["f"]);
  });

  it("reports a read error as such, apart from the upload being torn down", async () => {
    const gone = packContext(path.join(dir, "missing"), await resolveContextFilter(dir));
    gone.stream.resume();
    await expect(gone.done).rejects.toThrow(/ENOENT/);
    expect(gone.readError()?.message).toMatch(/ENOENT/);
    await writeFile(path.join(dir, "f"), Buffer.alloc(4 * 1024 * 1024, 7));
    const torn = packContext(dir, await resolveContextFilter(dir));
    torn.stream.destroy();
    await torn.done.catch(() => undefined);
    expect(torn.readError()).toBeUndefined();
  });
});
