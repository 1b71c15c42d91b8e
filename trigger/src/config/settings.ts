// Where the builder is and how to authenticate, from flags over env over `.env`.
import { TriggerError } from "../errors.js";

export interface ConnectionFlags {
  url?: string;
  token?: string;
  waitReady?: number;
}

export interface ConnectionSettings {
  /** Base URL without a trailing slash; API paths are appended (`/v1/...`). */
  baseUrl: string;
  token?: string;
  /** Verda inference key: when set it takes `Authorization`, and the token moves to `X-Builder-Token`. */
  apiKey?: string;
  waitReadyMs: number;
  /** --wait-ready was given: wait even for a loopback URL that refuses connections. */
  waitReadyGiven?: boolean;
}

export const DEFAULT_URL = "http://127.0.0.1:8080";
export const DEFAULT_WAIT_READY_SECONDS = 300;

export function buildConnectionSettings(
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
): ConnectionSettings {
  const raw = flags.url ?? nonEmpty(env.BUILDER_URL) ?? DEFAULT_URL;
  const source = flags.url !== undefined ? "--url" : env.BUILDER_URL ? "BUILDER_URL" : "the default URL";
  const token = flags.token ?? nonEmpty(env.BUILDER_TOKEN);
  const apiKey = nonEmpty(env.SERVERLESS_API_KEY);
  return {
    baseUrl: parseBaseUrl(raw, source),
    ...(token !== undefined ? { token } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    waitReadyMs: (flags.waitReady ?? DEFAULT_WAIT_READY_SECONDS) * 1000,
    ...(flags.waitReady !== undefined ? { waitReadyGiven: true } : {}),
  };
}

/** An http(s) URL, possibly with a path prefix (the Verda gateway puts the deployment name there). */
export function parseBaseUrl(raw: string, source = "--url"): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TriggerError(
      "CONFIG",
      `${source} ${JSON.stringify(raw)} is not a URL; use e.g. http://127.0.0.1:8080`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TriggerError("CONFIG", `${source} ${JSON.stringify(raw)} must be an http:// or https:// URL`);
  }
  if (url.search || url.hash) {
    throw new TriggerError("CONFIG", `${source} ${JSON.stringify(raw)} must not have a query or fragment`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** The auth headers for one request (SPEC §4 auth, §6 SERVERLESS_API_KEY). */
export function buildAuthHeaders(
  settings: Pick<ConnectionSettings, "token" | "apiKey">,
): Record<string, string> {
  if (settings.apiKey !== undefined) {
    return {
      authorization: `Bearer ${settings.apiKey}`,
      ...(settings.token !== undefined ? { "x-builder-token": settings.token } : {}),
    };
  }
  return settings.token !== undefined ? { authorization: `Bearer ${settings.token}` } : {};
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/**
 * Whether the URL names this machine (localhost, 127.0.0.0/8, ::1). A refused connection
 * there means nothing listens — no gateway is scaling a replica up — so waiting for it
 * only hides the mistake.
 */
export function isLoopbackUrl(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.toLowerCase();
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host === "[::1]" ||
    /^127(\.\d{1,3}){3}$/.test(host)
  );
}
