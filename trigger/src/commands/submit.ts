// `comfyume-build submit`: start a build by ref (JSON) or by uploading a directory,
// then follow it to the end (or print the id with --detach).
import { randomUUID } from "node:crypto";
import { lstat, stat } from "node:fs/promises";
import path from "node:path";
import type { BuildRequest } from "../../../common/build-request.js";
import type { ContextFilter } from "../../../common/dockerignore/context-filter.js";
import {
  checkUploadedContext,
  dockerfileInUpload,
  type UploadTarget,
} from "../../../common/uploaded-context.js";
import type { SubmitCommand } from "../cli/commands.js";
import type { PackedContext } from "../context/pack.js";
import { EXIT, TriggerError, usageError, type ExitCode } from "../errors.js";
import type { SendOptions } from "../http/client.js";
import { parseRecord, type CommandContext } from "./context.js";
import { followBuild, shouldBind } from "./follow-build.js";

// An upload is stored by the builder before it answers; a big context on a slow disk
// can take minutes, so the answer is waited for longer than a plain request.
const UPLOAD_HEADERS_TIMEOUT_MS = 15 * 60_000;

export async function runSubmit(cmd: SubmitCommand, ctx: CommandContext): Promise<ExitCode> {
  // One key per invocation: a POST retried after a dropped connection returns the
  // build the first attempt created instead of starting a second one.
  const key = cmd.idempotencyKey ?? `cli-${randomUUID()}`;
  const headers = { "idempotency-key": key };
  let packed: PackedContext | undefined;
  let request: SendOptions;
  if (cmd.context !== undefined) {
    const dir = await resolveContextDir(ctx.cwd, cmd.context);
    const { packContext, resolveContextFilter } = await import("../context/pack.js");
    const filter = await checkContextFits(ctx, cmd.request.target, dir, await resolveContextFilter(dir));
    request = {
      method: "POST",
      path: "/v1/builds",
      query: buildUploadQuery(cmd.request),
      headers: { ...headers, "content-type": "application/gzip" },
      body: () => {
        packed = packContext(dir, filter);
        return packed.stream;
      },
      headersTimeoutMs: UPLOAD_HEADERS_TIMEOUT_MS,
      what: `uploading ${cmd.context} to build ${cmd.request.target}`,
    };
  } else {
    // The request as parsed: defaults are left out, so the target's config decides them.
    const body = JSON.stringify(cmd.request);
    request = {
      method: "POST",
      path: "/v1/builds",
      headers: { ...headers, "content-type": "application/json" },
      body: () => body,
      what: `starting a build of ${cmd.request.target}`,
    };
  }
  const follow = { json: cmd.json, summary: true, upload: () => packed?.stats };
  if (!cmd.detach && shouldBind(cmd.bind, ctx)) {
    // Serverless: the build stays bound to this open request, so its replica is kept alive.
    return blameContext(
      () => followBuild(ctx, { kind: "wait", request }, follow),
      () => packed,
    );
  }
  const res = await blameContext(
    () => ctx.client.json(request, [200, 201, 202]),
    () => packed,
  );
  const record = parseRecord(res.body, request.what);
  if (cmd.detach) {
    ctx.out(`${record.id}\n`);
    return EXIT.OK;
  }
  return followBuild(ctx, { kind: "started", record }, follow);
}

async function blameContext<T>(send: () => Promise<T>, packed: () => PackedContext | undefined): Promise<T> {
  try {
    return await send();
  } catch (err) {
    // A file that cannot be read stops the upload; say which, not "connection reset".
    const p = packed();
    if (p) await p.done.catch(() => undefined);
    const readError = p?.readError();
    if (readError) throw usageError(`--context could not be packed: ${readError.message}`);
    throw err;
  }
}

async function resolveContextDir(cwd: string, dir: string): Promise<string> {
  const abs = path.resolve(cwd, dir);
  const st = await stat(abs).catch(() => undefined);
  if (!st?.isDirectory())
    throw new TriggerError("USAGE", `--context ${JSON.stringify(dir)} is not a directory`);
  return abs;
}

/**
 * Refuses a DIR that is not the target's build context before anything is packed or sent
 * (the builder would refuse it too, but only after the whole upload). A target the
 * builder does not list, or a builder that does not say where its Dockerfile is, is left
 * to the builder's own answer. Returns the filter to pack with: the target's Dockerfile is
 * always sent under whatever name it has, as `docker build -f` sends it.
 */
async function checkContextFits(
  ctx: CommandContext,
  target: string,
  dir: string,
  contextFilter: ContextFilter,
): Promise<ContextFilter> {
  const res = await ctx.client.json({ method: "GET", path: "/v1/targets", what: `reading target ${target}` });
  const view = uploadTargetOf(res.body, target);
  if (!view) return contextFilter;
  const dockerfile = dockerfileInUpload(view);
  const filter = dockerfile
    ? { ...contextFilter, alwaysSent: new Set([...contextFilter.alwaysSent, dockerfile]) }
    : contextFilter;
  const sent = async (rel: string) =>
    (filter.alwaysSent.has(rel) || !filter.matcher.excludes(rel)) &&
    (await lstat(path.join(dir, rel)).then(
      () => true,
      () => false,
    ));
  const mismatch = await checkUploadedContext(view, sent);
  if (mismatch) throw usageError(mismatch.message);
  return filter;
}

function uploadTargetOf(body: unknown, name: string): UploadTarget | undefined {
  const targets = (body as { targets?: unknown } | null)?.targets;
  if (!Array.isArray(targets)) return undefined;
  const t = (targets as Record<string, unknown>[]).find((x) => x?.name === name);
  if (!t || typeof t.context !== "string" || typeof t.dockerfile !== "string") return undefined;
  return {
    name,
    source: typeof t.source === "string" ? t.source : "?",
    context: t.context,
    dockerfile: t.dockerfile,
  };
}

/** The fields of an upload as query parameters (`?target=worker&tag=a&tag=b`, SPEC §4). */
export function buildUploadQuery(request: BuildRequest): URLSearchParams {
  const q = new URLSearchParams({ target: request.target });
  request.tags?.forEach((t) => q.append("tag", t));
  request.platforms?.forEach((p) => q.append("platform", p));
  Object.entries(request.buildArgs ?? {}).forEach(([k, v]) => q.append("buildArg", `${k}=${v}`));
  if (request.push === false) q.set("push", "false");
  if (request.smoke === false) q.set("smoke", "false");
  if (request.noCache === true) q.set("noCache", "true");
  return q;
}
