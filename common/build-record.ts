// The build record: what every consumer (HTTP API, trigger CLI, console, notifications)
// may rely on. SPEC §4 "Build record".
import { z } from "zod";

export const BUILD_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "interrupted",
] as const;
export const buildStatusSchema = z.enum(BUILD_STATUSES);
export type BuildStatus = z.infer<typeof buildStatusSchema>;

export const TERMINAL_STATUSES: readonly BuildStatus[] = ["succeeded", "failed", "cancelled", "interrupted"];
export function isTerminalStatus(status: BuildStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export const ERROR_CODES = [
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "GONE",
  "QUEUE_FULL",
  "SHUTTING_DOWN",
  "SOURCE_FAILED",
  "BUILD_FAILED",
  "PUSH_FAILED",
  "SMOKE_FAILED",
  "BACKUP_FAILED",
  "DISK_LOW",
  "TIMEOUT",
  "CANCELLED",
  "INTERRUPTED",
  "INTERNAL",
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

// `tag` (publish) comes after `smoke`: tags move only once the image passed (SPEC §3).
export const PHASE_NAMES = ["source", "build", "push", "smoke", "tag", "backup"] as const;
export const phaseNameSchema = z.enum(PHASE_NAMES);
export type PhaseName = z.infer<typeof phaseNameSchema>;

export const phaseStatusSchema = z.enum([
  "pending",
  "running",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);
export type PhaseStatus = z.infer<typeof phaseStatusSchema>;

export const phaseSchema = z.object({
  name: phaseNameSchema,
  status: phaseStatusSchema,
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  message: z.string().optional(),
});
export type Phase = z.infer<typeof phaseSchema>;

export const sourceInfoSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("git"),
    name: z.string(),
    ref: z.string(),
    commit: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("upload"),
    name: z.string().optional(),
    sha256: z.string(),
    bytes: z.number().int().nonnegative(),
    files: z.number().int().nonnegative().optional(),
  }),
  z.object({
    kind: z.literal("path"),
    name: z.string(),
    commit: z.string().nullable().optional(),
    /** An ad-hoc directory (`comfyume-builder run --context DIR`) instead of the configured path. */
    dir: z.string().optional(),
  }),
]);
export type SourceInfo = z.infer<typeof sourceInfoSchema>;

export const TRIGGER_KINDS = ["api", "cli", "webhook", "schedule", "retry"] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export const triggerSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("api"), by: z.string().optional() }),
  z.object({ kind: z.literal("cli") }),
  z.object({
    kind: z.literal("webhook"),
    delivery: z.string(),
    repository: z.string().optional(),
    ref: z.string().optional(),
  }),
  z.object({ kind: z.literal("schedule") }),
  z.object({ kind: z.literal("retry"), of: z.string() }),
]);
export type Trigger = z.infer<typeof triggerSchema>;

export const smokeResultSchema = z.object({
  name: z.string(),
  kind: z.enum(["command", "fileExistence", "fileContent", "license", "metadata"]).optional(),
  passed: z.boolean(),
  durationMs: z.number().nonnegative(),
  output: z.string().optional(),
  message: z.string().optional(),
});
export type SmokeResult = z.infer<typeof smokeResultSchema>;

export const smokeSummarySchema = z.object({
  file: z.string().optional(),
  image: z.string().optional(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative().optional(),
  results: z.array(smokeResultSchema),
});
export type SmokeSummary = z.infer<typeof smokeSummarySchema>;

export const backupInfoSchema = z.object({
  key: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().optional(),
  bucket: z.string().optional(),
  platform: z.string().optional(),
  objects: z
    .array(z.object({ key: z.string(), bytes: z.number().int().nonnegative(), platform: z.string() }))
    .optional(),
});
export type BackupInfo = z.infer<typeof backupInfoSchema>;

export const buildErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
});
export type BuildError = z.infer<typeof buildErrorSchema>;

export const cacheInfoSchema = z.object({
  /** Whether a cache for the target existed and was imported. */
  imported: z.boolean(),
  /** Build steps BuildKit reported as CACHED, and steps overall. */
  cachedSteps: z.number().int().nonnegative(),
  totalSteps: z.number().int().nonnegative(),
  /** Set when the cache could not be read and was moved aside. */
  recovered: z.string().optional(),
  exportedBytes: z.number().int().nonnegative().optional(),
});
export type CacheInfo = z.infer<typeof cacheInfoSchema>;

/** The parameters a build was asked for; enough to retry it. */
export const buildParamsSchema = z.object({
  target: z.string(),
  ref: z.string().optional(),
  tags: z.array(z.string()),
  platforms: z.array(z.string()),
  buildArgs: z.record(z.string(), z.string()),
  push: z.boolean(),
  smoke: z.boolean(),
  noCache: z.boolean(),
});
export type BuildParams = z.infer<typeof buildParamsSchema>;

export const buildRecordSchema = z.object({
  id: z.string(),
  target: z.string(),
  status: buildStatusSchema,
  deduplicated: z.boolean(),
  source: sourceInfoSchema,
  /** Full image references, e.g. ghcr.io/ahelme/comfyume-worker:v0.11.0 */
  tags: z.array(z.string()),
  platforms: z.array(z.string()),
  push: z.boolean(),
  digest: z.string().nullable(),
  /** The pushed image as the registry confirmed it, by digest (`image@sha256:…`); no tag moved yet. */
  pushed: z
    .array(z.object({ ref: z.string(), digest: z.string() }))
    .optional()
    .describe("The pushed image as the registry confirmed it, by digest; no tag had moved then."),
  /**
   * The tags the tag phase pointed at `digest`, each confirmed by the registry. Absent when
   * nothing was published (no push, a failed smoke test, a failure before tagging).
   */
  published: z
    .array(z.object({ ref: z.string(), digest: z.string() }))
    .optional()
    .describe(
      "Tags moved to `digest` by the tag phase (after the smoke tests passed), each read back from the registry. Absent when nothing was published: no push, a failed smoke test, or a failure before tagging; the previous tags then stay where they were.",
    ),
  trigger: triggerSchema,
  attempt: z.number().int().positive(),
  phases: z.array(phaseSchema),
  smoke: smokeSummarySchema.nullable(),
  backup: backupInfoSchema.nullable(),
  cache: cacheInfoSchema.nullable().optional(),
  /** Things worth knowing that did not fail the build (e.g. build args the Dockerfile never declares). */
  warnings: z.array(z.string()).optional(),
  error: buildErrorSchema.nullable(),
  params: buildParamsSchema,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable().optional(),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

/** One log line as stored and as sent over SSE. */
export const logLineSchema = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  stream: z.enum(["stdout", "stderr", "system"]),
  line: z.string(),
});
export type LogLine = z.infer<typeof logLineSchema>;

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
