// POSIX ustar headers (with a pax extended header for names that do not fit), written
// straight into the packer's blocks. tar-stream does not export its header encoder, and
// its Pack stream costs a buffer per read chunk; the packer fills its blocks itself.

export type TarEntryType = "file" | "directory" | "symlink";

export interface TarEntry {
  name: string;
  type: TarEntryType;
  size: number;
  mode: number;
  mtime: Date;
  linkname?: string;
}

const TYPE_FLAG: Record<TarEntryType | "pax", string> = { file: "0", directory: "5", symlink: "2", pax: "x" };

function octal(buf: Buffer, value: number, offset: number, width: number): void {
  // width - 1 digits and a NUL, as GNU tar writes them.
  buf.write(value.toString(8).padStart(width - 1, "0"), offset, width - 1, "ascii");
  buf[offset + width - 1] = 0;
}

/** Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes), or undefined. */
function splitUstarName(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
  for (let i = name.indexOf("/"); i !== -1; i = name.indexOf("/", i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) > 155) return undefined;
    if (rest && Buffer.byteLength(rest) <= 100) return { prefix, name: rest };
  }
  return undefined;
}

function header(
  entry: Omit<TarEntry, "type"> & { type: TarEntryType | "pax" },
  split: { prefix: string; name: string },
): Buffer {
  const buf = Buffer.alloc(512);
  buf.write(split.name, 0, 100, "utf8");
  octal(buf, entry.mode & 0o7777, 100, 8);
  octal(buf, 0, 108, 8); // uid
  octal(buf, 0, 116, 8); // gid
  octal(buf, entry.size, 124, 12);
  octal(buf, Math.floor(entry.mtime.getTime() / 1000), 136, 12);
  buf.write(TYPE_FLAG[entry.type], 156, 1, "ascii");
  if (entry.linkname) buf.write(entry.linkname, 157, 100, "utf8");
  buf.write("ustar\u000000", 257, 8, "ascii");
  buf.write(split.prefix, 345, 155, "utf8");
  buf.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += buf[i]!;
  octal(buf, sum, 148, 7);
  buf[155] = 0x20;
  return buf;
}

function paxRecord(key: string, value: string): string {
  // "<len> key=value\n" where len counts itself.
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** The bytes before an entry's content: its header, preceded by a pax header when needed. */
export function encodeTarHeader(entry: TarEntry): Buffer {
  const split = splitUstarName(entry.name);
  const longLink = entry.linkname !== undefined && Buffer.byteLength(entry.linkname) > 100;
  if (split && !longLink) return header(entry, split);
  const records =
    (split ? "" : paxRecord("path", entry.name)) + (longLink ? paxRecord("linkpath", entry.linkname!) : "");
  const pax = Buffer.from(records, "utf8");
  const padded = Buffer.alloc(Math.ceil(pax.length / 512) * 512);
  pax.copy(padded);
  const short = entry.name.slice(-99).replace(/^\/+/, "") || "PaxHeader";
  return Buffer.concat([
    header(
      { ...entry, type: "pax", size: pax.length, linkname: undefined },
      { prefix: "", name: "PaxHeader" },
    ),
    padded,
    header(
      { ...entry, linkname: longLink ? entry.linkname!.slice(0, 100) : entry.linkname },
      split ?? { prefix: "", name: short },
    ),
  ]);
}
