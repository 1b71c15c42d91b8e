// The distribution token flow (https://distribution.github.io/distribution/spec/auth/token/),
// as GHCR runs it: a 401 carries `Bearer realm,service,scope`; GET realm?service&scope
// (with basic credentials when we have them) returns {token} or {access_token}; the
// token is sent as `Authorization: Bearer` until it expires. Tokens are cached per
// host and scope so a build's many HEADs cost one token request.
import { RegistryError } from "./errors.js";
import { retryingRequest, type RetryingRequestOptions } from "./retrying-request.js";
import type { AuthChallenge } from "./www-authenticate.js";

export interface RegistryCredentials {
  username: string;
  password: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens without expires_in live 60 s (the spec's default); refresh a little early. */
const DEFAULT_TTL_S = 60;
const EARLY_MS = 5_000;

export function basicAuthorization(creds: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(private readonly now: () => number = Date.now) {}

  get(host: string, scope: string): string | undefined {
    const key = `${host} ${scope}`;
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.token;
    this.tokens.delete(key);
    return undefined;
  }

  set(host: string, scope: string, token: string, expiresInS: number | undefined): void {
    const ttlMs = Math.max(0, (expiresInS ?? DEFAULT_TTL_S) * 1000 - EARLY_MS);
    this.tokens.set(`${host} ${scope}`, { token, expiresAt: this.now() + ttlMs });
  }
}

export interface TokenRequest {
  host: string;
  repository: string;
  challenge: AuthChallenge;
  /** The scope we need, used when the challenge names none. */
  scope: string;
  credentials: RegistryCredentials | undefined;
  signal?: AbortSignal;
}

/** Asks the challenge's realm for a token. 401/403 there means the credentials were refused. */
export async function fetchToken(
  req: TokenRequest,
  http: RetryingRequestOptions,
): Promise<{ token: string; expiresIn?: number }> {
  const { realm, service } = req.challenge.params;
  let url: URL;
  try {
    url = new URL(realm ?? "");
  } catch {
    throw new RegistryError(
      "REGISTRY_PROTOCOL",
      `registry ${req.host} sent the token realm ${JSON.stringify(realm)}, which is not a URL`,
    );
  }
  if (service) url.searchParams.set("service", service);
  url.searchParams.set("scope", req.challenge.params.scope ?? req.scope);
  const headers: Record<string, string> = { accept: "application/json" };
  if (req.credentials) headers.authorization = basicAuthorization(req.credentials);
  const what = `the token service of registry ${req.host}`;
  const res = await retryingRequest(
    url.toString(),
    { method: "GET", headers, signal: req.signal, what },
    http,
  );
  if (res.statusCode === 401 || res.statusCode === 403) {
    await res.body.dump();
    throw new RegistryError(
      "REGISTRY_UNAUTHORIZED",
      req.credentials
        ? `registry ${req.host} refused the credentials for ${req.repository} (${res.statusCode} from its token service)`
        : `registry ${req.host} requires credentials for ${req.repository} (${res.statusCode} from its token service); configure them under registries."${req.host}"`,
      res.statusCode,
    );
  }
  if (res.statusCode !== 200) {
    const body = (await res.body.text()).slice(0, 200);
    throw new RegistryError(
      "REGISTRY_PROTOCOL",
      `${what} answered ${res.statusCode}: ${body}`,
      res.statusCode,
    );
  }
  const json = (await res.body.json()) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
  const token = typeof json.token === "string" ? json.token : json.access_token;
  if (typeof token !== "string" || token === "") {
    throw new RegistryError("REGISTRY_PROTOCOL", `${what} answered without a token`);
  }
  return { token, ...(typeof json.expires_in === "number" && { expiresIn: json.expires_in }) };
}
