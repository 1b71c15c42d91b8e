// One registry request with whatever authorization the host wants: a cached bearer
// token, basic credentials, or — after a 401 with a Bearer challenge — a fresh token
// from the challenge's realm (GHCR's flow). A host that once sent a Bearer challenge is
// remembered, so its basic credentials only ever go to its token service.
import { RegistryError } from "./errors.js";
import {
  headerValue,
  retryingRequest,
  type HttpMethod,
  type Response,
  type RetryingRequestOptions,
} from "./retrying-request.js";
import { basicAuthorization, fetchToken, type RegistryCredentials, type TokenCache } from "./token-auth.js";
import { ChallengeError, parseWwwAuthenticate, type AuthChallenge } from "./www-authenticate.js";

export interface AuthState {
  tokens: TokenCache;
  bearerHosts: Set<string>;
}

export interface AuthorizedRequest {
  host: string;
  repository: string;
  url: string;
  method: HttpMethod;
  accept: string;
  /** For PUT: the manifest bytes and their media type. */
  body?: { bytes: Buffer; contentType: string };
  credentials: RegistryCredentials | undefined;
  signal?: AbortSignal;
  /** For messages: "registry 127.0.0.1:5001 (HEAD ns/img/manifests/v1)". */
  what: string;
}

export async function authorizedRequest(
  req: AuthorizedRequest,
  state: AuthState,
  http: RetryingRequestOptions,
): Promise<Response> {
  const { host, credentials: creds } = req;
  // A write needs a token for push as well (GHCR and distribution's token auth name both).
  const scope = `repository:${req.repository}:${req.method === "PUT" ? "pull,push" : "pull"}`;
  const exchange = (authorization: string | undefined) =>
    retryingRequest(
      req.url,
      {
        method: req.method,
        headers: {
          accept: req.accept,
          ...(req.body && { "content-type": req.body.contentType }),
          ...(authorization && { authorization }),
        },
        ...(req.body && { body: req.body.bytes }),
        signal: req.signal,
        what: req.what,
      },
      http,
    );

  const cached = state.tokens.get(host, scope);
  const first = cached
    ? `Bearer ${cached}`
    : creds && !state.bearerHosts.has(host)
      ? basicAuthorization(creds)
      : undefined;
  let res = await exchange(first);
  if (res.statusCode !== 401) return res;
  await res.body.dump();
  const challenge = readChallenge(host, headerValue(res.headers["www-authenticate"]));
  if (challenge?.scheme === "bearer") {
    state.bearerHosts.add(host);
    const token = await fetchToken(
      { host, repository: req.repository, challenge, scope, credentials: creds, signal: req.signal },
      http,
    );
    state.tokens.set(host, scope, token.token, token.expiresIn);
    res = await exchange(`Bearer ${token.token}`);
  } else if (challenge?.scheme === "basic" && creds && first === undefined) {
    res = await exchange(basicAuthorization(creds));
  }
  if (res.statusCode !== 401) return res;
  await res.body.dump();
  throw new RegistryError(
    "REGISTRY_UNAUTHORIZED",
    creds
      ? `registry ${host} refused the credentials for ${req.repository} (401)`
      : `registry ${host} requires credentials for ${req.repository} (401); configure them under registries."${host}"`,
    401,
  );
}

function readChallenge(host: string, header: string | undefined): AuthChallenge | undefined {
  if (header === undefined) return undefined;
  try {
    return parseWwwAuthenticate(header);
  } catch (err) {
    if (!(err instanceof ChallengeError)) throw err;
    throw new RegistryError("REGISTRY_PROTOCOL", `registry ${host}: ${err.message}`, 401, { cause: err });
  }
}
