// What a caller may send to start a build (HTTP JSON body, query parameters for
// uploads, CLI flags). Validated before anything runs.
import { z } from "zod";
import { buildArgsSchema, gitRefSchema, imageTagSchema, platformSchema } from "./values.js";

export const targetNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, {
  message: "a target name is 1-63 lower-case letters, digits, '-' or '_'",
});

export const buildRequestSchema = z.strictObject({
  target: targetNameSchema,
  ref: gitRefSchema.optional(),
  tags: z.array(imageTagSchema).max(32, "at most 32 tags").optional(),
  platforms: z.array(platformSchema).min(1).max(8, "at most 8 platforms").optional(),
  buildArgs: buildArgsSchema.optional(),
  push: z.boolean().optional(),
  smoke: z.boolean().optional(),
  noCache: z.boolean().optional(),
});
export type BuildRequest = z.infer<typeof buildRequestSchema>;

/** Turns a zod error into the `issues` list of the error envelope. */
export function formatIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join(".") : "(root)",
    message: issue.message,
  }));
}

// The sentence form lives with the other issue helpers; re-exported for existing callers.
export { describeIssues } from "./zod-issues.js";
