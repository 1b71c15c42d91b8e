// Parses the WWW-Authenticate challenge a registry sends with a 401 (RFC 7235 auth-params).
// GHCR and Docker Hub answer `Bearer realm="https://ghcr.io/token",service="ghcr.io",
// scope="repository:owner/name:pull"`; a scope may itself contain commas
// ("repository:a:pull,push"), so quoted strings must be read properly, not split on ','.

export type AuthScheme = "basic" | "bearer";

export interface AuthChallenge {
  scheme: AuthScheme;
  /** Lower-cased parameter names; values unquoted. */
  params: Record<string, string>;
}

export class ChallengeError extends Error {
  readonly code = "INVALID_CHALLENGE";
  constructor(message: string) {
    super(message);
    this.name = "ChallengeError";
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Parses one challenge (the first, when a header lists several with a scheme we know).
 * Throws ChallengeError quoting the header when it names no Basic or Bearer scheme or
 * its parameters are malformed.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge {
  const fail = (why: string): never => {
    throw new ChallengeError(
      `the registry's WWW-Authenticate header ${JSON.stringify(header)} ${why}; expected Basic or Bearer realm="…"`,
    );
  };
  const text = header.trim();
  const scheme = TOKEN.exec(text)?.[0];
  if (scheme === undefined) return fail("names no scheme");
  const lower = scheme.toLowerCase();
  if (lower !== "basic" && lower !== "bearer")
    return fail(`uses the unsupported scheme ${JSON.stringify(scheme)}`);
  const params = parseParams(text.slice(scheme.length), fail);
  if (lower === "bearer" && !params.realm) fail("has no realm");
  return { scheme: lower, params };
}

function parseParams(text: string, fail: (why: string) => never): Record<string, string> {
  const params: Record<string, string> = {};
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < text.length && chars.test(text[i]!)) i++;
  };
  while (true) {
    skip(/[\s,]/);
    if (i >= text.length) return params;
    const name = TOKEN.exec(text.slice(i))?.[0];
    if (name === undefined) return fail(`has a malformed parameter at ${JSON.stringify(text.slice(i))}`);
    i += name.length;
    skip(/\s/);
    if (text[i] !== "=") {
      // A second challenge ("…, Basic realm=…") starts here: the first one is complete.
      return params;
    }
    i++;
    skip(/\s/);
    const [value, next] = text[i] === '"' ? readQuoted(text, i + 1, fail) : readToken(text, i);
    params[name.toLowerCase()] = value;
    i = next;
  }
}

function readQuoted(text: string, start: number, fail: (why: string) => never): [string, number] {
  let value = "";
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) value += text[++i];
    else if (c === '"') return [value, i + 1];
    else value += c;
  }
  return fail("has an unterminated quoted string");
}

function readToken(text: string, start: number): [string, number] {
  let end = start;
  while (end < text.length && text[end] !== "," && !/\s/.test(text[end]!)) end++;
  return [text.slice(start, end), end];
}
