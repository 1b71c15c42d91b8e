// Small real tar archives for upload tests, made with tar-stream: good contexts, and the
// hostile entries an upload must refuse (absolute paths, "..", links out, devices).
import { gzipSync } from "node:zlib";
import tar from "tar-stream";

export interface TarEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";
  body?: string;
  linkname?: string;
}

export async function buildTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const finished = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const header = {
      name: e.name,
      type,
      mode: type === "directory" ? 0o755 : 0o644,
      ...(e.linkname ? { linkname: e.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === "file") pack.entry(header, e.body ?? "", done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await finished;
  return Buffer.concat(chunks);
}

export const gzip = (buf: Buffer): Buffer => gzipSync(buf);

/** A context whose build prints the content of a file it copies in. */
export function goodContext(from: string, marker: string): TarEntry[] {
  return [
    { name: "Dockerfile", body: `FROM ${from}\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n` },
    { name: "hello.txt", body: `${marker}\n` },
    { name: "sub/", type: "directory" },
    { name: "sub/link", type: "symlink", linkname: "../hello.txt" },
  ];
}

/** Archives an upload must reject with 400, named for the test table. */
export const HOSTILE: Record<string, TarEntry[]> = {
  "absolute path": [{ name: "/etc/evil", body: "x" }],
  "dot-dot path": [{ name: "../evil", body: "x" }],
  "nested dot-dot": [{ name: "a/../../evil", body: "x" }],
  "symlink out (absolute)": [{ name: "out", type: "symlink", linkname: "/etc/passwd" }],
  "symlink out (relative)": [{ name: "a/out", type: "symlink", linkname: "../../../etc" }],
  "write through a symlink": [
    { name: "d", type: "symlink", linkname: "/tmp" },
    { name: "d/evil", body: "x" },
  ],
  "hardlink out": [{ name: "h", type: "link", linkname: "../../etc/passwd" }],
  "hardlink absolute": [{ name: "h", type: "link", linkname: "/etc/passwd" }],
  "character device": [{ name: "null", type: "character-device" }],
  "block device": [{ name: "sda", type: "block-device" }],
  fifo: [{ name: "pipe", type: "fifo" }],
};

/** A ustar header for a regular file (what tar-stream writes, made by hand so no body is needed). */
export function fileTarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number) => h.write(text, at, "ascii");
  put(name, 0);
  put("0000644\0", 100);
  put("0000000\0", 108);
  put("0000000\0", 116);
  put(`${size.toString(8).padStart(11, "0")}\0`, 124);
  put("00000000000\0", 136);
  put("        ", 148); // the checksum counts its own field as spaces
  put("0", 156);
  put("ustar\0", 257);
  put("00", 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return h;
}

/**
 * A gzip bomb: `head` (a tar header, or a whole small archive) followed by zeros up to
 * `totalBytes`, as a small body of one member per MiB (`member` frames it: gzipSync for
 * plain multi-member gzip, which gunzip reads as one stream, or the trigger's indexed
 * members), so a body inflating to hundreds of MB costs one deflate of a zero MiB to make.
 */
export async function zeroBomb(
  head: Buffer,
  totalBytes: number,
  member: (block: Buffer) => Buffer | Promise<Buffer>,
): Promise<Buffer> {
  const MiB = 1 << 20;
  const first = Buffer.alloc(Math.min(MiB, totalBytes));
  head.copy(first);
  const parts: Buffer[] = [await member(first)];
  const zeroMember = await member(Buffer.alloc(MiB));
  let left = totalBytes - first.length;
  for (; left >= MiB; left -= MiB) parts.push(zeroMember);
  if (left > 0) parts.push(await member(Buffer.alloc(left)));
  return Buffer.concat(parts);
}

/** A tar of one file of `size` zero bytes (header, data, end blocks). */
export function zeroFileTarBytes(size: number): { head: Buffer; totalBytes: number } {
  return { head: fileTarHeader("zeros.bin", size), totalBytes: 512 + Math.ceil(size / 512) * 512 + 1024 };
}

/** A tar of `count` one-byte files spread over 100 directories, made without a tar library (fast). */
export function oneByteFilesTar(count: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(fileTarHeader(`d${i % 100}/f${i}`, 1));
    const data = Buffer.alloc(512);
    data[0] = 0x78; // "x"
    parts.push(data);
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
