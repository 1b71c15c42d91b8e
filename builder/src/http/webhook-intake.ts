// Taking in webhook bodies, which anyone can send (no token; only the HMAC proves the
// sender). The body is capped at GitHub's 25 MB while it is read, the HMAC is computed
// as it streams in and checked before the body is used for anything, and the work
// unauthenticated senders can cause is bounded: at most `maxConcurrent` bodies are read
// at once, holding at most `maxInFlightBytes` between them, each within `readTimeoutMs`.
// A request that does not fit is refused at once (429 with Retry-After) without reading
// its body, so a flood of large unsigned POSTs cannot grow memory or starve /healthz.
import { createHmac, timingSafeEqual } from "node:crypto";
import { HttpError } from "./errors.js";
import { tooLarge } from "./request-body.js";

export interface IntakeLimits {
  maxBodyBytes: number;
  maxConcurrent: number;
  maxInFlightBytes: number;
  readTimeoutMs: number;
}

/** GitHub caps webhook payloads at 25 MB; two such bodies may be read at once. */
export const DEFAULT_INTAKE_LIMITS: IntakeLimits = {
  maxBodyBytes: 25 * 1024 * 1024,
  maxConcurrent: 8,
  maxInFlightBytes: 50 * 1024 * 1024,
  // GitHub gives up on a delivery after 10 s, so a body still arriving then is not GitHub's.
  readTimeoutMs: 10_000,
};

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;
const RETRY_AFTER_SECONDS = 1;

/** The digest an X-Hub-Signature-256 header carries, or undefined when it is not `sha256=<hex>`. */
export function parseSignatureHeader(header: string | undefined): Buffer | undefined {
  const m = SIGNATURE.exec(header?.trim() ?? "");
  return m ? Buffer.from(m[1]!, "hex") : undefined;
}

/** True when `header` is `sha256=<hex>` of HMAC-SHA256(secret, body). Constant time over equal lengths. */
export function verifyGithubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const claimed = parseSignatureHeader(header);
  if (!claimed) return false;
  return timingSafeEqual(createHmac("sha256", secret).update(body).digest(), claimed);
}

function unauthorized(): HttpError {
  return new HttpError(
    401,
    "UNAUTHORIZED",
    "X-Hub-Signature-256 is missing or does not match the payload signed with the webhook secret.",
  );
}

function busy(limits: IntakeLimits): HttpError {
  return new HttpError(
    429,
    "QUEUE_FULL",
    `Too many webhook payloads are being received at once (at most ${limits.maxConcurrent}, ${limits.maxInFlightBytes} bytes together); retry in ${RETRY_AFTER_SECONDS} s.`,
    undefined,
    RETRY_AFTER_SECONDS,
  );
}

export interface WebhookIntake {
  /** The body, once its HMAC matched `signature`; 401/408/413/429 otherwise. */
  readSigned(req: Request, secret: string, signature: Buffer): Promise<Buffer>;
  /** Bodies being read now and the bytes they hold (for tests and metrics). */
  load(): { reading: number; bytes: number };
}

export function createWebhookIntake(limits: IntakeLimits = DEFAULT_INTAKE_LIMITS): WebhookIntake {
  let reading = 0;
  let bytes = 0;

  async function readSigned(req: Request, secret: string, signature: Buffer): Promise<Buffer> {
    const declared = Number(req.headers.get("content-length") ?? "NaN");
    const known = Number.isSafeInteger(declared) && declared >= 0;
    if (known && declared > limits.maxBodyBytes)
      throw tooLarge("webhook payload", limits.maxBodyBytes, declared);
    let held = known ? declared : 0;
    if (reading >= limits.maxConcurrent || bytes + held > limits.maxInFlightBytes) throw busy(limits);
    reading += 1;
    bytes += held;
    const grow = (total: number) => {
      if (total <= held) return;
      if (bytes + (total - held) > limits.maxInFlightBytes) throw busy(limits);
      bytes += total - held;
      held = total;
    };
    try {
      const body = await readWithin(req, limits, grow, known ? declared : undefined);
      if (!timingSafeEqual(createHmac("sha256", secret).update(body).digest(), signature))
        throw unauthorized();
      return body;
    } finally {
      reading -= 1;
      bytes -= held;
    }
  }

  return { readSigned, load: () => ({ reading, bytes }) };
}

/**
 * Reads the body within the time limit. With a Content-Length the bytes go straight into
 * one buffer of that size (no second copy); without one, chunks are joined at the end.
 */
async function readWithin(
  req: Request,
  limits: IntakeLimits,
  grow: (total: number) => void,
  declared: number | undefined,
): Promise<Buffer> {
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => undefined); // the read below then ends; the 408 is thrown there
  }, limits.readTimeoutMs);
  const into = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (timedOut)
        throw new HttpError(
          408,
          "TIMEOUT",
          `The webhook payload did not arrive within ${limits.readTimeoutMs / 1000} s.`,
        );
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBodyBytes) throw tooLarge("webhook payload", limits.maxBodyBytes, total);
      if (into && total > into.length)
        throw new HttpError(400, "INVALID_REQUEST", "The webhook payload is longer than its Content-Length.");
      grow(total);
      if (into) into.set(value, total - value.byteLength);
      else chunks.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => undefined); // already cancelled or errored: nothing more to stop
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (into) return total === into.length ? into : into.subarray(0, total);
  return Buffer.concat(chunks, total);
}
