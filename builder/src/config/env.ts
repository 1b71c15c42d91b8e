// The builder's environment (SPEC §7), parsed once by loadConfig(env) in main.ts.
// Nothing else reads process.env. A bad value is an error naming the variable.
import { z } from "zod";
import { errorMessage } from "../../../common/errors.js";

const GiB = 1024 ** 3;
const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  ki: 1024,
  kib: 1024,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  gi: GiB,
  gib: GiB,
  ti: 1024 ** 4,
  tib: 1024 ** 4,
};

/** "20GiB", "512MB", "1048576" -> bytes. Throws on anything else. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new Error(`${JSON.stringify(text)} is not a size; use bytes or a unit such as 512MiB, 20GiB, 5GB`);
  }
  return Math.floor(Number(m[1]) * unit);
}

const bytes = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      try {
        return parseBytes(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: errorMessage(err) });
        return z.NEVER;
      }
    });

const int = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallback;
      if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(v)} is not a whole number between ${min} and ${max}`,
        });
        return z.NEVER;
      }
      return Number(v);
    });

const DURATION_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds: a whole number, or one with a unit s, m, h or d ("90m", "24h", "7d"). */
const duration = (fallbackSeconds: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return fallbackSeconds;
      const m = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(v);
      if (!m) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(v)} is not a duration; use seconds or a number with s, m, h or d (24h, 7d)`,
        });
        return z.NEVER;
      }
      return Number(m[1]) * DURATION_UNITS[m[2]!]!;
    });

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : v));

const token = optionalString.refine((v) => v === undefined || v.length >= 16, {
  message: "a token must be at least 16 characters",
});

const url = optionalString.refine((v) => v === undefined || /^https?:\/\/\S+$/.test(v), {
  message: "must be an http:// or https:// URL",
});

export const envSchema = z.object({
  BUILDER_HOST: z.string().default("0.0.0.0"),
  BUILDER_PORT: int(8080, 0, 65535),
  BUILDER_CONFIG: optionalString,
  BUILDER_DATA_DIR: z.string().default("./.builder/data"),
  BUILDER_CACHE_DIR: z.string().default("./.builder/cache"),
  BUILDER_CACHE_MAX_BYTES: bytes(20 * GiB),
  BUILDER_MIN_FREE_BYTES: bytes(5 * GiB),
  BUILDER_MIN_FREE_PERCENT: int(10, 0, 100),
  BUILDER_CONCURRENCY: int(1, 1, 64),
  BUILDER_QUEUE_MAX: int(20, 0, 10_000),
  // setTimeout fires at once past 2^31-1 ms (~24.8 days), so that is the longest timeout.
  BUILDER_BUILD_TIMEOUT: int(3600, 1, 2_147_483),
  BUILDER_QUEUE_TTL: int(3600, 1, 2_147_483),
  BUILDER_MAX_ATTEMPTS: int(2, 1, 20),
  BUILDER_LEASE_SECONDS: int(30, 2, 3600),
  BUILDER_DRAIN_SECONDS: int(60, 0, 86_400),
  BUILDER_MAX_UPLOAD_BYTES: bytes(2 * GiB),
  /** Seconds an uploaded context is kept after the last build that needs it (retry works meanwhile). */
  BUILDER_UPLOAD_RETENTION: duration(24 * 3600),
  BUILDER_API_TOKEN: token,
  BUILDER_READ_TOKEN: token,
  BUILDER_WEBHOOK_SECRET: optionalString,
  BUILDER_BUILDX_BUILDER: optionalString.refine(
    (v) => v === undefined || /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v),
    {
      message: "a buildx builder name is letters, digits, '_', '.' or '-'",
    },
  ),
  BUILDER_DOCKER: z.string().default("docker").describe("The docker CLI to run (buildx is its plugin)."),
  // Set by the image's entrypoint when it could not set up the BuildKit it was asked for:
  // the server still starts so /readyz (and every build) can say why, instead of a crash loop.
  BUILDER_BUILDKIT_SETUP_ERROR: optionalString,
  BUILDER_NOTIFY_URL: url,
  BUILDER_NOTIFY_SECRET: optionalString,
  BUILDER_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  NTFY_TOPIC: optionalString,
  NTFY_SERVER: z.string().default("https://ntfy.sh"),
  R2_ENDPOINT: url,
  R2_ACCESS_KEY_ID: optionalString,
  R2_SECRET_ACCESS_KEY: optionalString,
  R2_WORKER_CONTAINER_TAR_BALL_BUCKET: optionalString,
});
export type BuilderEnv = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/**
 * Variables whose values are secrets, or may carry one (a notify URL with a token in its
 * query, an ntfy topic, which is its own password): an error names them, never quotes them.
 */
export const SECRET_ENV_VARS: ReadonlySet<string> = new Set([
  "BUILDER_API_TOKEN",
  "BUILDER_READ_TOKEN",
  "BUILDER_WEBHOOK_SECRET",
  "BUILDER_NOTIFY_URL",
  "BUILDER_NOTIFY_SECRET",
  "NTFY_TOPIC",
  "R2_ENDPOINT",
  "R2_ACCESS_KEY_ID",
  "R2_SECRET_ACCESS_KEY",
]);

/**
 * Parses the builder's environment. Throws EnvError naming every bad variable, with its
 * value unless the variable is a secret (SECRET_ENV_VARS).
 */
export function loadConfig(env: NodeJS.ProcessEnv): BuilderEnv {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      if (SECRET_ENV_VARS.has(name)) return `${name} (value not shown): ${issue.message}`;
      return `${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
    });
    throw new EnvError(`invalid environment: ${lines.join("; ")}`);
  }
  return parsed.data;
}

/** The env vars a config file names (registry users/passwords, tokens, secrets) with their values. */
export function pickEnv(env: NodeJS.ProcessEnv, names: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = env[name];
    if (v !== undefined && v !== "") out[name] = v;
  }
  return out;
}
