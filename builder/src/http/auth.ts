// Token auth (SPEC §4). BUILDER_API_TOKEN may do everything, BUILDER_READ_TOKEN only read.
// The token comes from X-Builder-Token when that header is present (the Verda gateway owns
// Authorization for its inference key, and may pass it on: it must then be ignored), else
// from `Authorization: Bearer`, or from HTTP Basic's password so a browser can open the
// console. Comparison is over SHA-256 digests with timingSafeEqual: equal lengths always,
// and no early exit that would leak how much of a token matched.
import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./errors.js";

export type Access = "read" | "write";

export interface Tokens {
  apiToken?: string;
  readToken?: string;
}

export interface PresentedToken {
  token: string | undefined;
  scheme: "x-builder-token" | "bearer" | "basic" | "none";
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant-time equality of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** Picks the token a request presents, by the precedence rule above. Pure. */
export function parsePresentedToken(headers: {
  xBuilderToken?: string | undefined;
  /** A browser's Authorization, moved aside by the nginx relay that puts the gateway key in Authorization. */
  xBuilderAuthorization?: string | undefined;
  authorization?: string | undefined;
}): PresentedToken {
  if (headers.xBuilderToken !== undefined)
    return { token: headers.xBuilderToken.trim(), scheme: "x-builder-token" };
  const auth = (headers.xBuilderAuthorization ?? headers.authorization)?.trim();
  if (!auth) return { token: undefined, scheme: "none" };
  const bearer = /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return { token: bearer[1]!.trim(), scheme: "bearer" };
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(auth);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return { token: colon >= 0 ? decoded.slice(colon + 1) : decoded, scheme: "basic" };
  }
  return { token: undefined, scheme: "none" };
}

export function isAuthEnabled(tokens: Tokens): boolean {
  return Boolean(tokens.apiToken || tokens.readToken);
}

/** What a presented token may do: "write" (API token), "read" (read token) or nothing. */
export function resolveAccess(tokens: Tokens, token: string | undefined): Access | undefined {
  if (!isAuthEnabled(tokens)) return "write";
  if (token === undefined || token === "") return undefined;
  // Both comparisons always run so timing does not reveal which token matched.
  const isApi = tokens.apiToken !== undefined && safeEqual(token, tokens.apiToken);
  const isRead = tokens.readToken !== undefined && safeEqual(token, tokens.readToken);
  if (isApi) return "write";
  if (isRead) return "read";
  return undefined;
}

/** Throws 401 or 403 unless `access` allows `need`. */
export function assertAccess(access: Access | undefined, need: Access, presented: PresentedToken): void {
  if (access === undefined) {
    const what =
      presented.token === undefined
        ? "No token was sent; send `Authorization: Bearer <token>` or `X-Builder-Token: <token>`."
        : `The token sent in ${presented.scheme === "x-builder-token" ? "X-Builder-Token" : "Authorization"} is not valid for this builder.`;
    throw new HttpError(401, "UNAUTHORIZED", what);
  }
  if (need === "write" && access !== "write") {
    throw new HttpError(403, "FORBIDDEN", "The read token may only read; this route needs the API token.");
  }
}
