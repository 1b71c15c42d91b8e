// Reading request bodies without trusting them: a size cap enforced while reading (a
// missing or lying Content-Length cannot get past it), JSON parse errors as 400, and
// path/header values checked before they reach the jobs layer.
import { HttpError, invalidRequest } from "./errors.js";
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

/** A build id the route refused (buildIdSchema), told with the value and the rule. */
export function invalidBuildId(raw: string, rule: string): HttpError {
  return invalidRequest(`Build id ${JSON.stringify(raw.slice(0, 80))} is not valid; ${rule}.`, [
    { path: "id", message: rule },
  ]);
}

export function invalidIdempotencyKey(raw: string): HttpError {
  return invalidRequest(
    `Idempotency-Key ${JSON.stringify(raw.slice(0, 80))} is not valid; use 1-255 visible ASCII characters (a UUID is typical).`,
    [{ path: "Idempotency-Key", message: "1-255 visible ASCII characters" }],
  );
}

export function invalidLogPosition(raw: string, field: "Last-Event-ID" | "after"): HttpError {
  return invalidRequest(
    `Log position ${JSON.stringify(raw.slice(0, 80))} is not a sequence number; send a whole number.`,
    [{ path: field, message: "must be a whole number" }],
  );
}

/**
 * The last seq the client has, from a validated Last-Event-ID header (it wins, as in the
 * EventSource spec) or ?after=; 0 for none.
 */
export function resolveAfterSeq(header: string | undefined, after: string | undefined): number {
  const raw = (header ?? after ?? "").trim();
  return raw === "" ? 0 : Number(raw);
}
