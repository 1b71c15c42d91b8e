// The one HTTP seam of the trigger: undici requests to the builder with auth headers,
// and the serverless-proof wait: while the builder is cold (502/503/504, 429 queue
// full, connection refused or dropped) retry with backoff for up to --wait-ready,
// saying so on stderr. undici is imported lazily to keep start-up fast.
import type { Readable } from "node:stream";
import { buildAuthHeaders, isLoopbackUrl, type ConnectionSettings } from "../config/settings.js";
import { TriggerError } from "../errors.js";
import { backoffDelay, delay, parseRetryAfter } from "./backoff.js";
import { COLD_STATUSES, errorFromResponse, isRetryableNetworkError, networkErrorCode } from "./errors.js";
import { loadRequest } from "./undici-request.js";
import { errorMessage } from "../../../common/errors.js";

export interface SendOptions {
  method: "GET" | "POST";
  path: string;
  query?: URLSearchParams;
  headers?: Record<string, string>;
  /** A factory, so a retried request sends a fresh body (an upload stream is single-use). */
  body?: () => string | Readable;
  headersTimeoutMs?: number;
  /** Longest silence on the body; the builder's SSE heartbeats arrive every 15 s. */
  bodyTimeoutMs?: number;
  /** What the request is for, in messages ("starting the build"). */
  what: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable & { text(): Promise<string> };
}

export class BuilderClient {
  /** Set once the builder answered anything: a refused connection after that is a restart, worth waiting for. */
  private answered = false;

  constructor(
    readonly settings: ConnectionSettings,
    private readonly notice: (message: string) => void,
    private readonly signal?: AbortSignal,
  ) {}

  url(path: string, query?: URLSearchParams): string {
    const q = query?.toString();
    return `${this.settings.baseUrl}${path}${q ? `?${q}` : ""}`;
  }

  /** Sends until the builder answers with something other than a cold-start status. */
  async send(options: SendOptions): Promise<Answer> {
    const request = await loadRequest();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let reason: string;
      let retryAfter: number | undefined;
      try {
        const res = await request(this.url(options.path, options.query), {
          method: options.method,
          headers: { ...buildAuthHeaders(this.settings), ...options.headers },
          body: options.body?.(),
          headersTimeout: options.headersTimeoutMs ?? 120_000,
          bodyTimeout: options.bodyTimeoutMs ?? 120_000,
          ...(this.signal ? { signal: this.signal } : {}),
        });
        this.answered = true;
        if (!COLD_STATUSES.includes(res.statusCode) && res.statusCode !== 429) return toAnswer(res);
        const text = await res.body.text().catch(() => "");
        if (res.statusCode === 429 && Date.now() - started >= this.settings.waitReadyMs) {
          throw errorFromResponse(res.statusCode, text, options.what);
        }
        reason = `HTTP ${res.statusCode}${describeBody(text)}`;
        retryAfter = parseRetryAfter(headerValue(res.headers["retry-after"]), 30_000);
      } catch (err) {
        if (err instanceof TriggerError || this.signal?.aborted || !isRetryableNetworkError(err)) {
          throw this.signal?.aborted ? err : asTriggerError(err, this.url(options.path), options.what);
        }
        this.failFastWhenNothingListens(err, options.what);
        reason = `${networkErrorCode(err)}: ${errorMessage(err)}`;
      }
      await this.wait(started, attempt, reason, retryAfter, options.what);
    }
  }

  /**
   * A loopback URL that refuses the first connection has no builder behind it (a serverless
   * gateway is never on loopback): say so at once instead of waiting out --wait-ready,
   * unless the caller asked to wait or the builder answered earlier (then it is restarting).
   */
  private failFastWhenNothingListens(err: unknown, what: string): void {
    const s = this.settings;
    if (this.answered || s.waitReadyGiven || networkErrorCode(err) !== "ECONNREFUSED") return;
    if (!isLoopbackUrl(s.baseUrl)) return;
    throw new TriggerError(
      "UNREACHABLE",
      `${what}: nothing is listening at ${s.baseUrl} (connection refused); start the builder there, point --url or BUILDER_URL at the one you mean, or give --wait-ready SECONDS to wait for one that is starting`,
    );
  }

  private async wait(
    started: number,
    attempt: number,
    reason: string,
    retryAfter: number | undefined,
    what: string,
  ) {
    const elapsed = Date.now() - started;
    const wait = Math.min(
      retryAfter ?? backoffDelay(attempt),
      Math.max(0, this.settings.waitReadyMs - elapsed),
    );
    if (elapsed >= this.settings.waitReadyMs) {
      throw new TriggerError(
        "UNREACHABLE",
        `${what}: the builder at ${this.settings.baseUrl} was not ready within ${Math.round(this.settings.waitReadyMs / 1000)} s (last: ${reason}); raise --wait-ready or check BUILDER_URL`,
      );
    }
    this.notice(
      `builder at ${this.settings.baseUrl} not ready (${reason}); retrying in ${(wait / 1000).toFixed(1)} s (waited ${Math.round(elapsed / 1000)} of ${Math.round(this.settings.waitReadyMs / 1000)} s)`,
    );
    await delay(wait, this.signal);
  }

  /** Sends and reads a JSON answer; any status outside `ok` becomes a TriggerError. */
  async json(
    options: SendOptions,
    ok: readonly number[] = [200],
  ): Promise<{ status: number; body: unknown }> {
    const res = await this.send({ ...options, headers: { accept: "application/json", ...options.headers } });
    const text = await res.body.text();
    if (!ok.includes(res.status)) throw errorFromResponse(res.status, text, options.what);
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      throw new TriggerError(
        "PROTOCOL",
        `${options.what}: HTTP ${res.status} body is not JSON${describeBody(text)}`,
      );
    }
  }
}

function toAnswer(res: { statusCode: number; headers: Answer["headers"]; body: unknown }): Answer {
  return { status: res.statusCode, headers: res.headers, body: res.body as Answer["body"] };
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function describeBody(text: string): string {
  const t = text.trim().slice(0, 120);
  return t ? `: ${JSON.stringify(t)}` : "";
}

function asTriggerError(err: unknown, url: string, what: string): TriggerError {
  const code = networkErrorCode(err);
  return new TriggerError(
    "UNREACHABLE",
    `${what}: ${url} failed: ${code ? `${code}: ` : ""}${errorMessage(err)}`,
  );
}
