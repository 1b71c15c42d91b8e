// Flag checks that need no schema library, so commands without build parameters
// (targets, status, logs, cancel, retry) start without loading zod.
import { usageError } from "../errors.js";

// Any C0 control, DEL, or C1 control (the same set as common/values.ts).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A whole number in [min, max]. */
export function parseInteger(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${flag} ${JSON.stringify(v)} is not a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Build ids are opaque, but they go into a URL path: no control characters, no slashes. */
export function parseBuildId(v: string): string {
  if (v === "" || v.length > 200 || CONTROL.test(v) || /[/\\?#\s]/.test(v)) {
    throw usageError(`<id> ${JSON.stringify(v)} is not a build id (e.g. b_01JD8X2M...)`);
  }
  return v;
}

export function parseIdempotencyKey(v: string): string {
  if (!/^[\x21-\x7e]{1,255}$/.test(v)) {
    throw usageError(`--idempotency-key ${JSON.stringify(v)} must be 1-255 visible ASCII characters`);
  }
  return v;
}

/** A `nextCursor` from a previous `list`: opaque, but it goes into a query string. */
export function parseCursor(v: string): string {
  if (v === "" || v.length > 1000 || CONTROL.test(v)) {
    throw usageError(`--cursor ${JSON.stringify(v)} is not a cursor (use the nextCursor a list printed)`);
  }
  return v;
}
