// Indexed gzip members: the framing the trigger uses for uploaded contexts. The body is
// a concatenation of gzip members (RFC 1952 §2.2 makes that one gzip file, which any
// gunzip reads whole), one per 1 MiB block of the tar, each carrying in its header's
// FEXTRA field (RFC 1952 §2.3.1.1, subfield "cm") its own size in bytes and whether its
// deflate data is stored blocks only or compressed, the way BGZF (SAM/BAM) does. With
// that, the builder can pass stored members through without a copy into zlib and inflate
// compressed ones several at a time, instead of running every byte through one serial
// gunzip. Shared by the writer (trigger) and the reader (builder): the layout only.

/** Subfield ID of the index in FEXTRA: "cm" (comfyume). */
export const INDEX_SI1 = 0x63;
export const INDEX_SI2 = 0x6d;
/** Subfield data: member size (uint32 LE) and kind (uint8). */
const INDEX_DATA_BYTES = 5;
/** 10-byte fixed header + XLEN (2) + one subfield (4 + 5). */
export const INDEXED_HEADER_BYTES = 21;
export const TRAILER_BYTES = 8;
/** The largest member (and inflated member) either side makes or accepts: the writer's blocks are 1 MiB. */
export const MAX_MEMBER_BYTES = 2 * 1024 * 1024;
/** A stored deflate block holds at most this many bytes (RFC 1951 §3.2.4). */
export const STORED_BLOCK_MAX = 0xffff;

export const MEMBER_KIND = { stored: 0, deflate: 1 } as const;
export type MemberKind = (typeof MEMBER_KIND)[keyof typeof MEMBER_KIND];

const FTEXT = 0x01;
const FEXTRA = 0x04;
const OS_UNKNOWN = 0xff;

/** The 21-byte header of an indexed member of `memberBytes` in all (header and trailer included). */
export function encodeIndexedHeader(memberBytes: number, kind: MemberKind): Buffer {
  const h = Buffer.alloc(INDEXED_HEADER_BYTES);
  h[0] = 0x1f;
  h[1] = 0x8b;
  h[2] = 8; // deflate
  h[3] = FEXTRA;
  // MTIME 0 (none: the same tar packs to the same bytes), XFL 0
  h[9] = OS_UNKNOWN;
  h.writeUInt16LE(4 + INDEX_DATA_BYTES, 10);
  h[12] = INDEX_SI1;
  h[13] = INDEX_SI2;
  h.writeUInt16LE(INDEX_DATA_BYTES, 14);
  h.writeUInt32LE(memberBytes, 16);
  h[20] = kind;
  return h;
}

export function encodeTrailer(crc32: number, inputBytes: number): Buffer {
  const t = Buffer.alloc(TRAILER_BYTES);
  t.writeUInt32LE(crc32 >>> 0, 0);
  t.writeUInt32LE(inputBytes >>> 0, 4); // ISIZE is the size modulo 2^32
  return t;
}

export type ParsedHeader =
  | { kind: "more"; need: number }
  | { kind: "plain" }
  | { kind: "indexed"; headerBytes: number; memberBytes: number; member: MemberKind };

/**
 * Reads a member header from the start of `buf`: "more" when `need` bytes are needed to
 * tell, "plain" for a gzip member without the index (or not gzip at all: the caller
 * decides), otherwise the member's layout. Throws with the reason on a member that
 * claims the index but contradicts it.
 */
export function parseIndexedHeader(buf: Buffer): ParsedHeader {
  if (buf.length < 12) return { kind: "more", need: 12 };
  if (buf[0] !== 0x1f || buf[1] !== 0x8b || buf[2] !== 8) return { kind: "plain" };
  const flags = buf[3]!;
  if ((flags & FEXTRA) === 0 || (flags & ~(FEXTRA | FTEXT)) !== 0) return { kind: "plain" };
  const xlen = buf.readUInt16LE(10);
  const headerBytes = 12 + xlen;
  if (buf.length < headerBytes) return { kind: "more", need: headerBytes };
  for (let at = 12; at + 4 <= headerBytes;) {
    const len = buf.readUInt16LE(at + 2);
    if (at + 4 + len > headerBytes) throw new Error("a FEXTRA subfield runs past the extra field");
    if (buf[at] === INDEX_SI1 && buf[at + 1] === INDEX_SI2) {
      if (len !== INDEX_DATA_BYTES)
        throw new Error(`the member index is ${len} bytes, not ${INDEX_DATA_BYTES}`);
      const memberBytes = buf.readUInt32LE(at + 4);
      const member = buf[at + 8]!;
      if (member !== MEMBER_KIND.stored && member !== MEMBER_KIND.deflate)
        throw new Error(`unknown member kind ${member}`);
      if (memberBytes < headerBytes + TRAILER_BYTES + 1 || memberBytes > MAX_MEMBER_BYTES)
        throw new Error(`a member size of ${memberBytes} bytes is out of range`);
      return { kind: "indexed", headerBytes, memberBytes, member };
    }
    at += 4 + len; // 1-3 stray bytes at the end are ignored, as gunzip ignores them
  }
  return { kind: "plain" };
}
