// How a request the route definition refuses is answered. The route's zod schemas decide
// what is valid (route-table.ts); this hook only words the refusal in the error envelope,
// naming the field and the value. Fields with a sentence of their own (a build id, a header,
// ?wait) keep it; anything else is "The <input> is invalid: <path>: <rule>." as for bodies.
import type { Hook } from "@hono/zod-openapi";
import type { Context, Env } from "hono";
import { fromZodError, type HttpError } from "./errors.js";
import { invalidBuildId, invalidIdempotencyKey, invalidLogPosition } from "./request-body.js";
import { invalidFlag } from "./upload-query.js";

type Target = "query" | "param" | "header" | "json" | "form" | "cookie";

const FIELD_ERRORS: Record<string, (raw: string, rule: string) => HttpError> = {
  "param id": (raw, rule) => invalidBuildId(raw, rule),
  "header idempotency-key": (raw) => invalidIdempotencyKey(raw),
  "header last-event-id": (raw) => invalidLogPosition(raw, "Last-Event-ID"),
  "query wait": (raw) => invalidFlag("wait", raw),
};

/** The single value a client sent for `field` (a repeated query parameter: its first value). */
function rawValue(data: unknown, field: string): string {
  const value = (data as Record<string, unknown> | undefined)?.[field];
  return String(Array.isArray(value) ? value[0] : (value ?? ""));
}

/**
 * The validation hook of every route: throws the refusal so the app's one onError renders
 * it. `inputs` names what each target is in messages ("list query", "log query").
 */
export function refuseInvalid(
  inputs: Partial<Record<Target, string>> = {},
): Hook<unknown, Env, string, void> {
  return (result) => {
    if (result.success) return;
    const target = result.target as Target;
    const issue = result.error.issues[0];
    const field = typeof issue?.path[0] === "string" ? issue.path[0] : "";
    const special = FIELD_ERRORS[`${target} ${field}`];
    // @hono/zod-validator hands the refused input along (its type here omits it).
    const data = (result as { data?: unknown }).data;
    if (special && issue) throw special(rawValue(data, field), issue.message);
    throw fromZodError(result.error, inputs[target] ?? "request");
  };
}

/** What the route's schemas let through, for handlers written against a plain Context. */
export function validInput<T>(c: Context, target: "query" | "param" | "header"): T {
  return c.req.valid(target as never) as T;
}
