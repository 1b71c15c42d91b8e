// Flags -> BuildRequest, written once for both binaries: `comfyume-build submit` sends the
// request to a builder, `comfyume-builder run` submits it in-process. Every value is checked
// with the rules the builder applies (values.ts) and a bad one is a UsageError naming the
// flag and the value; defaults are left out so the target's config decides them (a target
// with `"push": false` is not pushed unless asked).
import type { z } from "zod";
import { buildRequestSchema, targetNameSchema, type BuildRequest } from "./build-request.js";
import { UsageError, type FlagValues } from "./cli-flags.js";
import {
  buildArgNameSchema,
  buildArgValueSchema,
  gitRefSchema,
  imageTagSchema,
  platformSchema,
} from "./values.js";

/** `value` checked by `schema`, or a UsageError: `--tag "a b" is not valid: <why>`. */
export function checkFlag<T>(schema: z.ZodType<T>, flag: string, value: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const why = result.error.issues.map((i) => i.message).join("; ");
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not valid: ${why}`);
  }
  return result.data;
}

export const parseTargetFlag = (v: string, flag = "<target>") => checkFlag(targetNameSchema, flag, v);
export const parseRefFlag = (v: string, flag = "--ref") => checkFlag(gitRefSchema, flag, v);

export function parseBuildArgFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq <= 0) throw new UsageError(`--build-arg ${JSON.stringify(v)} is not KEY=VALUE`);
    const key = checkFlag(buildArgNameSchema, "--build-arg", v.slice(0, eq));
    out[key] = checkFlag(buildArgValueSchema, `--build-arg ${key}`, v.slice(eq + 1));
  }
  return out;
}

export interface BuildFlags {
  request: BuildRequest;
  /** `--context DIR` as typed (resolved against the working directory by the caller). */
  context?: string;
}

const FLAG_OF_FIELD: Record<string, string> = {
  tags: "--tag",
  platforms: "--platform",
  buildArgs: "--build-arg",
  ref: "--ref",
  target: "<target>",
};

const strings = (v: FlagValues[string]): string[] => (Array.isArray(v) ? v : []);
const string = (v: FlagValues[string]): string | undefined => (typeof v === "string" ? v : undefined);

/** The values of BUILD_FLAG_OPTIONS (and the target) as a validated BuildRequest. */
export function parseBuildFlags(target: string, values: FlagValues): BuildFlags {
  const ref = string(values.ref);
  const context = string(values.context);
  if (ref !== undefined && context !== undefined) {
    throw new UsageError(
      "--ref and --context cannot be used together: a build uses a git ref or an uploaded directory",
    );
  }
  if (context === "") throw new UsageError('--context "" is not a directory');
  const tags = strings(values.tag).map((t) => checkFlag(imageTagSchema, "--tag", t));
  const platforms = strings(values.platform).map((p) => checkFlag(platformSchema, "--platform", p));
  const buildArgs = parseBuildArgFlags(strings(values["build-arg"]));
  const raw: BuildRequest = {
    target: parseTargetFlag(target),
    ...(ref !== undefined ? { ref: parseRefFlag(ref) } : {}),
    ...(tags.length ? { tags } : {}),
    ...(platforms.length ? { platforms } : {}),
    ...(Object.keys(buildArgs).length ? { buildArgs } : {}),
    ...(values["no-push"] === true ? { push: false } : {}),
    ...(values["no-smoke"] === true ? { smoke: false } : {}),
    ...(values["no-cache"] === true ? { noCache: true } : {}),
  };
  // Limits over the whole request (at most 32 tags...), named by flag.
  const parsed = buildRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((i) => `${FLAG_OF_FIELD[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`)
      .join("; ");
    throw new UsageError(why);
  }
  return { request: parsed.data, ...(context !== undefined ? { context } : {}) };
}
