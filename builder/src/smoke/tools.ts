// The static busybox every smoke script runs under (bind-mounted into the RUN steps), so
// tests never depend on the image having a shell, `stat` or `cat`. It must be statically
// linked: it runs inside images with any libc or none (scratch). Debian's busybox-static
// installs one at /bin/busybox (Dockerfile.builder and scripts/stack install it).
import { copyFile, link, open } from "node:fs/promises";
import { SmokeError } from "./errors.js";

export const DEFAULT_BUSYBOX = "/bin/busybox";

const PT_INTERP = 3;
const checked = new Map<string, Promise<void>>();

/** True when the ELF file has no program interpreter (statically linked). */
async function isStaticElf(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const header = Buffer.alloc(64);
    await handle.read(header, 0, 64, 0);
    if (header.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = header[4] === 2;
    const le = header[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64
      ? Number(le ? header.readBigUInt64LE(32) : header.readBigUInt64BE(32))
      : u32(header, 28);
    const phentsize = u16(header, is64 ? 54 : 42);
    const phnum = u16(header, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    await handle.read(table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (u32(table, i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    await handle.close();
  }
}

/** Checks once per path that it is a static executable; throws SMOKE_TOOLS_MISSING if not. */
export function checkBusybox(file: string): Promise<void> {
  let result = checked.get(file);
  if (!result) {
    result = isStaticElf(file).then(
      (ok) => {
        if (!ok) throw new Error("it is not a statically linked executable");
      },
      (err: Error) => {
        throw new Error((err as NodeJS.ErrnoException).code === "ENOENT" ? "it does not exist" : err.message);
      },
    );
    result = result.catch((err: Error) => {
      checked.delete(file);
      throw new SmokeError(
        "SMOKE_TOOLS_MISSING",
        `smoke tests need a static busybox at ${file}, but ${err.message}; install Debian's busybox-static (apt-get install busybox-static)`,
      );
    });
    checked.set(file, result);
  }
  return result;
}

/** Puts the busybox into a build-context directory: a hard link when it can, else a copy. */
export async function placeBusybox(file: string, dest: string): Promise<void> {
  await checkBusybox(file);
  try {
    await link(file, dest);
  } catch {
    // Another filesystem (or no permission to link): 2 MB to copy.
    await copyFile(file, dest);
  }
}
