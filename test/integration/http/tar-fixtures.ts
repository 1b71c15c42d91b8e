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
