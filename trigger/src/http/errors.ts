// Which failures mean "the builder is not there yet" (retry within --wait-ready) and how
// the builder's error envelope becomes a TriggerError with the right exit code.
import { TriggerError, type TriggerErrorCode } from "../errors.js";

/** Gateway and builder answers that a cold start or a restart produces (SHUTTING_DOWN is a 503). */
export const COLD_STATUSES: readonly number[] = [502, 503, 504];

// Node/undici codes of a connection that could not be made or was dropped before an
// answer: serverless scale-up, a replica going away, a restarting builder.
const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** The error code of a network error, looking through `cause` chains (fetch/undici wrap them). */
export function networkErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

export function isRetryableNetworkError(err: unknown): boolean {
  const code = networkErrorCode(err);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

export interface Envelope {
  code: string;
  message: string;
  issues?: { path: string; message: string }[];
}

/** The `{"error": {...}}` body, or `undefined` when the text is not one (a gateway's own page). */
export function parseEnvelope(text: string): Envelope | undefined {
  try {
    const body = JSON.parse(text) as { error?: Partial<Envelope> };
    const e = body?.error;
    if (e && typeof e.code === "string" && typeof e.message === "string") {
      return { code: e.code, message: e.message, ...(Array.isArray(e.issues) ? { issues: e.issues } : {}) };
    }
  } catch {
    // Not JSON: the caller reports the status and the start of the text instead.
  }
  return undefined;
}

const CODE_MAP: Record<string, TriggerErrorCode> = {
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "UNAUTHORIZED",
  INVALID_REQUEST: "USAGE",
  NOT_FOUND: "USAGE",
  CONFLICT: "USAGE",
};

/** A non-success answer as the error the CLI exits with. */
export function errorFromResponse(status: number, text: string, what: string): TriggerError {
  const env = parseEnvelope(text);
  if (env) {
    const issues = env.issues?.length
      ? ` (${env.issues.map((i) => `${i.path}: ${i.message}`).join("; ")})`
      : "";
    return new TriggerError(
      CODE_MAP[env.code] ?? "REJECTED",
      `${what}: ${env.code}: ${env.message}${issues}`,
    );
  }
  const excerpt = text.trim().slice(0, 200);
  const shown = excerpt ? `: ${JSON.stringify(excerpt)}` : "";
  if (status === 401 || status === 403) {
    return new TriggerError("UNAUTHORIZED", `${what}: HTTP ${status}${shown}; check BUILDER_TOKEN / --token`);
  }
  const hint =
    status === 404
      ? "; check --url / BUILDER_URL, and behind the Verda gateway SERVERLESS_API_KEY (it answers 404 without a valid key)"
      : "";
  return new TriggerError(
    "PROTOCOL",
    `${what}: HTTP ${status} without the builder's error body${shown}${hint}`,
  );
}
