// What the trigger's packer sends for a directory (`submit --context`), read back from the
// real gzipped tar stream, listed like listTree ("d path", "f path", "l path -> target").
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import { packContext, resolveContextFilter } from "../../trigger/src/context/pack.js";

export async function tarEntries(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  const ex = extract();
  ex.on("entry", (header, body, next) => {
    const name = header.name.replace(/\/$/, "");
    if (header.type === "directory") out.push(`d ${name}`);
    else if (header.type === "symlink") out.push(`l ${name} -> ${header.linkname ?? ""}`);
    else out.push(`f ${name}`);
    body.resume();
    body.on("end", next);
  });
  await pipeline(stream, createGunzip(), ex);
  return out.sort();
}

/** The entries `submit --context dir` sends. */
export async function packedEntries(dir: string): Promise<string[]> {
  const packed = packContext(dir, await resolveContextFilter(dir));
  const [entries] = await Promise.all([tarEntries(packed.stream), packed.done]);
  return entries;
}
