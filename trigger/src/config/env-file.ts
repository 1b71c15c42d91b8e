// The `.env` file in the working directory (SPEC §6). Values in it fill gaps only:
// the real environment always wins, so `BUILDER_URL=... comfyume-build` does what it says.
import { readFile } from "node:fs/promises";
import path from "node:path";

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** Parses dotenv text: KEY=VALUE lines, `export` prefixes, quotes, `#` comments. Throws on a malformed line. */
export function parseDotEnv(text: string, file = ".env"): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, i) => {
    if (/^\s*(#.*)?$/.test(raw)) return;
    const m = LINE.exec(raw);
    if (!m) {
      throw new Error(`${file} line ${i + 1} is not KEY=VALUE: ${JSON.stringify(raw.slice(0, 80))}`);
    }
    out[m[1]!] = parseValue(m[2]!, `${file} line ${i + 1}`);
  });
  return out;
}

function parseValue(value: string, where: string): string {
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.indexOf(quote, 1);
    if (end < 0) throw new Error(`${where} has an unterminated ${quote} quote: ${JSON.stringify(value)}`);
    const inner = value.slice(1, end);
    // Double quotes expand the usual escapes, single quotes are literal (as in dotenv and shells).
    return quote === '"'
      ? inner
          .replace(/\\n/g, "\n")
          .replace(/\\t/g, "\t")
          .replace(/\\(["\\])/g, "$1")
      : inner;
  }
  // An unquoted value ends at " #" (an inline comment); a '#' inside a word is kept.
  const hash = value.search(/\s#/);
  return (hash >= 0 ? value.slice(0, hash) : value).trim();
}

/** Reads `<dir>/.env`; `undefined` when there is none. */
export async function resolveDotEnv(dir: string): Promise<Record<string, string> | undefined> {
  const file = path.join(dir, ".env");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return parseDotEnv(text, file);
}

/** The real environment over the `.env` values. */
export function mergeEnv(
  real: Record<string, string | undefined>,
  dotenv: Record<string, string> | undefined,
): Record<string, string | undefined> {
  return { ...dotenv, ...Object.fromEntries(Object.entries(real).filter(([, v]) => v !== undefined)) };
}
