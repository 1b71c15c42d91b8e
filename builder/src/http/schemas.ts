// Zod schemas of what the HTTP API reads and writes, beyond the shared ones in common/.
// The route table (route-table.ts) points at these: they validate requests and make /openapi.json.
import { z } from "zod";
import {
  TRIGGER_KINDS,
  buildRecordSchema,
  buildStatusSchema,
  errorEnvelopeSchema,
  logLineSchema,
} from "../../../common/build-record.js";
import { targetNameSchema } from "../../../common/build-request.js";
import { gitRefSchema } from "../../../common/values.js";

export const listQuerySchema = z.strictObject({
  target: targetNameSchema.optional(),
  status: buildStatusSchema.optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, "limit is a whole number from 1 to 500")
    .transform(Number)
    .pipe(z.number().int().min(1, "limit is at least 1").max(500, "limit is at most 500"))
    .optional(),
  cursor: z.string().min(1).max(512, "a cursor is at most 512 characters").optional(),
  trigger: z.enum(TRIGGER_KINDS).optional(),
  /** Search: part of the id, a tag, the ref or the digest, or the start of the commit. */
  q: z.string().trim().min(1).max(200, "a search is at most 200 characters").optional(),
});

export const logsQuerySchema = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,15}$/, "after is a log sequence number (a whole number)")
    .optional(),
});

export const buildIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "a build id is 1-64 letters, digits, '_' or '-'");

/** The `{id}` of every /v1/builds/{id} route (and the console's build pages). */
export const buildIdParamsSchema = z.object({ id: buildIdSchema });

/** `?wait=true` of POST /v1/builds and retry; other parameters are an upload's fields (upload-query.ts). */
export const waitQuerySchema = z.looseObject({
  wait: z
    .enum(["true", "false"], 'must be "true" or "false"')
    .optional()
    .describe(
      "true: hold the response until the build ends (the final record, 200), or with Accept: application/x-ndjson stream its events.",
    ),
});

/** Header names as Hono hands them to validators: lower case. */
export const idempotencyHeadersSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "1-255 visible ASCII characters")
    .optional()
    .describe(
      "Replays of a request with the same key (24 h) return the build it created; the same key with other parameters is 409 CONFLICT. 1-255 visible ASCII characters (a UUID is typical).",
    ),
});

export const lastEventIdHeadersSchema = z.object({
  "last-event-id": z
    .string()
    .regex(/^(\s*\d{1,15}\s*)?$/, "must be a whole number")
    .optional()
    .describe("The seq of the last log line the client has (SSE reconnection); replay starts after it."),
});

export const scheduleBodySchema = z.strictObject({
  targets: z.array(targetNameSchema).min(1).max(256).optional(),
  ref: gitRefSchema.optional(),
  changedOnly: z
    .boolean()
    .optional()
    .describe(
      "Only targets whose ref now names another commit than their last successful build (git ls-remote; nothing cloned).",
    ),
});

/** What the webhook reads of GitHub's push payload (documentation; the jobs layer validates it). */
export const githubPushPayloadSchema = z.looseObject({
  ref: z.string().describe("refs/heads/<branch> or refs/tags/<tag>"),
  after: z.string().describe("the pushed commit (all zeros when deleted)"),
  deleted: z.boolean().optional(),
  created: z.boolean().optional(),
  forced: z.boolean().optional(),
  repository: z.looseObject({ full_name: z.string().optional(), clone_url: z.string().optional() }),
  commits: z
    .array(
      z.looseObject({
        added: z.array(z.string()).optional(),
        modified: z.array(z.string()).optional(),
        removed: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  head_commit: z.looseObject({ id: z.string() }).nullable().optional(),
});

export const githubFormBodySchema = z.object({
  payload: z.string().describe("The push payload as JSON, URL-encoded (GitHub's 'form' content type)."),
});

export const listResponseSchema = z.object({
  builds: z.array(buildRecordSchema),
  nextCursor: z.string().nullable(),
});

export const hookResponseSchema = z.object({
  builds: z.array(buildRecordSchema),
  skipped: z
    .array(z.object({ target: z.string(), reason: z.string() }))
    .optional()
    .describe("Each target not built, and why."),
  ignored: z.string().optional(),
  duplicate: z.boolean().optional(),
});

export const targetViewSchema = z.object({
  name: z.string(),
  source: z.string(),
  sourceKind: z.enum(["git", "path"]),
  image: z.string(),
  context: z.string().describe("The build context, relative to the source root."),
  dockerfile: z
    .string()
    .describe(
      "The Dockerfile, relative to the source root (an uploaded context holds it at its place in `context`).",
    ),
  tags: z.array(z.string()),
  platforms: z.array(z.string()),
  buildArgNames: z.array(z.string()),
  secretEnvNames: z.array(z.string()),
  smoke: z.boolean(),
  watch: z.array(z.string()),
  refs: z.array(z.string()).describe("Ref globs whose pushes may build the target (git sources)."),
  schedule: z.boolean(),
  push: z.boolean(),
  backup: z.boolean(),
});
export type TargetView = z.infer<typeof targetViewSchema>;

export const targetsResponseSchema = z.object({ targets: z.array(targetViewSchema) });

export const healthSchema = z.object({ ok: z.boolean() });
export const readySchema = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), message: z.string().optional() })),
});

export { buildRecordSchema, errorEnvelopeSchema, logLineSchema };
