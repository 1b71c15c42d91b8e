// Turns a validated request into a new queued build record: checks it against the
// config (the target exists, a ref only for git sources), resolves the source (commit,
// upload digest or path) and renders the tags. Nothing here runs a build.
import {
  PHASE_NAMES,
  type BuildRecord,
  type SourceInfo,
  type Trigger,
} from "../../../common/build-record.js";
import type { BuildRequest } from "../../../common/build-request.js";
import type { BuilderConfig, TargetConfig } from "../config/builder-config.js";
import type { UploadedContext } from "../source/upload.js";
import type { ResolveRef } from "./ports.js";
import { ServiceError } from "./service-error.js";
import { buildImageTags } from "./tag-templates.js";
import { errorMessage } from "../../../common/errors.js";

/** What a build records of an uploaded context; the runner finds it by sha256, not by its dir. */
export type UploadInfo = Pick<UploadedContext, "sha256" | "bytes" | "files">;

const FULL_SHA = /^[0-9a-f]{40}$/;

/** The configured target, or INVALID_REQUEST naming it and the valid ones. */
export function parseTargetName(config: BuilderConfig, name: string): TargetConfig {
  // Own keys only: "constructor" must not find Object.prototype's.
  const target = Object.hasOwn(config.targets, name) ? config.targets[name] : undefined;
  if (!target) {
    const known = Object.keys(config.targets).sort();
    throw new ServiceError(
      "INVALID_REQUEST",
      `target ${JSON.stringify(name)} is not configured; configured targets: ${known.join(", ") || "none"}`,
      { issues: [{ path: "target", message: `unknown target ${JSON.stringify(name)}` }] },
    );
  }
  return target;
}

/**
 * The source of a new build. `commit` skips resolution (webhooks know the pushed SHA,
 * retries rebuild the recorded commit); a full SHA as ref needs no resolution either.
 */
export async function resolveBuildSource(
  config: BuilderConfig,
  target: TargetConfig,
  req: BuildRequest,
  opts: { upload?: UploadInfo; commit?: string; resolveRef: ResolveRef; signal?: AbortSignal },
): Promise<SourceInfo> {
  if (opts.upload) {
    const { sha256, bytes, files } = opts.upload;
    return { kind: "upload", name: target.source, sha256, bytes, files };
  }
  const source = config.sources[target.source];
  if (!source) {
    throw new ServiceError(
      "INVALID_REQUEST",
      `target ${req.target} names source ${JSON.stringify(target.source)}, which is not configured`,
    );
  }
  if ("path" in source) {
    if (req.ref !== undefined) {
      throw new ServiceError(
        "INVALID_REQUEST",
        `ref ${JSON.stringify(req.ref)} cannot be used: target ${req.target} builds from the directory source ${JSON.stringify(target.source)}, which has no refs; leave ref out or upload a context`,
        { issues: [{ path: "ref", message: "a path source has no refs" }] },
      );
    }
    return { kind: "path", name: target.source, commit: null };
  }
  const ref = req.ref ?? source.defaultRef;
  const commit =
    opts.commit ??
    (FULL_SHA.test(ref)
      ? ref
      : await resolveCommit(opts.resolveRef, { ...source, name: target.source }, ref, opts.signal));
  return { kind: "git", name: target.source, ref, commit };
}

async function resolveCommit(
  resolveRef: ResolveRef,
  source: Parameters<ResolveRef>[0],
  ref: string,
  signal?: AbortSignal,
): Promise<string> {
  try {
    return await resolveRef(source, ref, signal);
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new ServiceError(
      "INVALID_REQUEST",
      `ref ${JSON.stringify(ref)} could not be resolved in source ${source.name} (${source.git}): ${errorMessage(err)}`,
      { issues: [{ path: "ref", message: "not found in the source repository" }] },
    );
  }
}

export interface NewRecordInput {
  id: string;
  req: BuildRequest;
  target: TargetConfig;
  source: SourceInfo;
  trigger: Trigger;
  attempt?: number;
  now: Date;
}

/** A queued record: resolved tags and platforms, all phases pending, attempt 1. */
export function buildQueuedRecord({ id, req, target, source, trigger, now }: NewRecordInput): BuildRecord {
  const ref = source.kind === "git" ? source.ref : undefined;
  const sha =
    source.kind === "git"
      ? (source.commit ?? undefined)
      : source.kind === "upload"
        ? source.sha256
        : undefined;
  const platforms = req.platforms ?? target.platforms;
  const push = req.push ?? target.push;
  const buildArgs = { ...target.buildArgs, ...(req.buildArgs ?? {}) };
  const tags = buildImageTags(target.image, target.tags, req.tags ?? [], {
    ref,
    sha,
    target: req.target,
    now,
  });
  return {
    id,
    target: req.target,
    status: "queued",
    deduplicated: false,
    source,
    tags,
    platforms,
    push,
    digest: null,
    trigger,
    attempt: 1,
    phases: PHASE_NAMES.map((name) => ({
      name,
      status: "pending",
      startedAt: null,
      finishedAt: null,
      durationMs: null,
    })),
    smoke: null,
    backup: null,
    error: null,
    params: {
      target: req.target,
      ...(ref !== undefined ? { ref } : {}),
      tags: req.tags ?? [],
      platforms,
      buildArgs,
      push,
      smoke: req.smoke ?? true,
      noCache: req.noCache ?? false,
    },
    createdAt: now.toISOString(),
    startedAt: null,
    finishedAt: null,
  };
}
