// Reading request bodies without trusting them: a size cap enforced while reading (a
// missing or lying Content-Length cannot get past it), JSON parse errors as 400, and
// path/header values checked before they reach the jobs layer.
import { HttpError, invalidRequest } from "./errors.js";
import { buildIdSchema } from "./schemas.js";
import { errorMessage } from "../../../common/errors.js";

/** Reads at most `maxBytes` of the body; more is 413. */
export async function readBodyCapped(req: Request, maxBytes: number, what: string): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(what, maxBytes, declared);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(what, maxBytes, total);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

export function tooLarge(what: string, maxBytes: number, got: number): HttpError {
  return new HttpError(
    413,
    "INVALID_REQUEST",
    `The ${what} is ${got > maxBytes ? `over ${maxBytes}` : `${got}`} bytes; at most ${maxBytes} bytes are accepted.`,
  );
}

/** Parses a JSON body; an empty body is `undefined` (the caller decides whether that is allowed). */
export function parseJsonBody(raw: Buffer, what: string): unknown {
  const text = raw.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw invalidRequest(`The ${what} is not valid JSON: ${errorMessage(err)}.`, [
      { path: "(root)", message: "not valid JSON" },
    ]);
  }
}

export function parseBuildId(raw: string): string {
  const parsed = buildIdSchema.safeParse(raw);
  if (!parsed.success) {
    throw invalidRequest(
      `Build id ${JSON.stringify(raw.slice(0, 80))} is not valid; ${parsed.error.issues[0]!.message}.`,
      [{ path: "id", message: parsed.error.issues[0]!.message }],
    );
  }
  return parsed.data;
}

/** Idempotency-Key: 1-255 visible ASCII characters. */
export function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(raw)) {
    throw invalidRequest(
      `Idempotency-Key ${JSON.stringify(raw.slice(0, 80))} is not valid; use 1-255 visible ASCII characters (a UUID is typical).`,
      [{ path: "Idempotency-Key", message: "1-255 visible ASCII characters" }],
    );
  }
  return raw;
}

/** Last-Event-ID header or ?after= → the last seq the client has; 0 for none. */
export function parseAfterSeq(header: string | undefined, query: string | undefined): number {
  const raw = header ?? query;
  if (raw === undefined || raw === "") return 0;
  if (!/^\d{1,15}$/.test(raw.trim())) {
    throw invalidRequest(
      `Log position ${JSON.stringify(raw.slice(0, 80))} is not a sequence number; send a whole number.`,
      [{ path: header !== undefined ? "Last-Event-ID" : "after", message: "must be a whole number" }],
    );
  }
  return Number(raw.trim());
}
