// The builder's config file (SPEC §2): sources, registries and targets. JSON, strict
// (unknown keys are errors naming their JSON path). The committed config.schema.json
// is generated from this schema (scripts/generate-config-schema.mjs).
import path from "node:path";
import { z } from "zod";
import { targetNameSchema } from "../../../common/build-request.js";
import {
  envNameSchema,
  imageNameSchema,
  platformSchema,
  registryHostSchema,
  relativePathSchema,
  buildArgsSchema,
  hasControlCharacters,
  recordSchema,
} from "../../../common/values.js";

const gitSourceSchema = z.strictObject({
  git: z
    .string()
    .regex(/^(https?|file|ssh|git):\/\/[^\s]+$/, {
      message: "git must be an https://, ssh://, git:// or file:// URL",
    })
    .refine((v) => !/^[a-z]+:\/\/[^/@]*:[^/@]*@/.test(v), {
      message: "git URL must not contain a password; name an env var in tokenEnv instead",
    })
    .describe("URL of the repository the builder clones."),
  defaultRef: z.string().min(1).default("main").describe("Ref built when a request names none."),
  tokenEnv: envNameSchema.optional().describe("Env var holding a token for private repositories."),
});

const pathSourceSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .describe("A directory on the builder's disk, relative to the config file or absolute."),
});

export const sourceConfigSchema = z.union([gitSourceSchema, pathSourceSchema], {
  error:
    'a source is {"git": "<URL>", "defaultRef"?: "<ref>", "tokenEnv"?: "<ENV_NAME>"} or {"path": "<directory>"}',
});
export type SourceConfig = z.infer<typeof sourceConfigSchema>;
export type GitSourceConfig = z.infer<typeof gitSourceSchema>;
export type PathSourceConfig = z.infer<typeof pathSourceSchema>;

export const registryConfigSchema = z.strictObject({
  usernameEnv: envNameSchema.describe("Env var holding the registry user name."),
  passwordEnv: envNameSchema.describe("Env var holding the registry password or token."),
});
export type RegistryConfig = z.infer<typeof registryConfigSchema>;

export const TAG_TEMPLATE_FIELDS = ["ref", "sha", "shortSha", "date", "target"] as const;

const tagTemplateSchema = z
  .string()
  .min(1)
  .max(128)
  .refine((v) => /^[A-Za-z0-9_.{}-]+$/.test(v) && !v.startsWith("-") && !v.startsWith("."), {
    message:
      "a tag template is letters, digits, '_', '.', '-' and {placeholders}, not starting with '-' or '.'",
  })
  .refine(
    (v) =>
      [...v.matchAll(/\{([^}]*)\}/g)].every((m) =>
        (TAG_TEMPLATE_FIELDS as readonly string[]).includes(m[1]!),
      ),
    { message: `tag placeholders are ${TAG_TEMPLATE_FIELDS.map((f) => `{${f}}`).join(" ")}` },
  );

// Matched against the full ref GitHub sends (refs/heads/..., refs/tags/...), so a bare
// "main" (which would never match) is refused rather than silently never building.
const refGlobSchema = z
  .string()
  .max(255, "a refs glob is at most 255 characters")
  .regex(/^refs\/(heads|tags)\/[^\s]+$/, {
    message: "a refs glob names full refs: refs/heads/<branch glob> or refs/tags/<tag glob>",
  })
  .refine((v) => !hasControlCharacters(v), { message: "a refs glob must not contain control characters" });

const cacheConfigSchema = z.strictObject({
  local: z.boolean().default(true).describe("Keep a local BuildKit cache for this target."),
  registryRef: z
    .string()
    .nullable()
    .default(null)
    .describe("Also import/export the cache from this registry ref (type=registry)."),
  maxBytes: z.number().int().positive().nullable().default(null).describe("Per-target cache budget."),
});

const namedContextSchema = z
  .string()
  .min(1)
  .refine((v) => !v.startsWith("-"), { message: "a build context must not start with '-'" })
  .describe("docker-image://, oci-layout://, https:// or a path relative to the source root.");

export const targetConfigSchema = z.strictObject({
  source: z.string().min(1).describe("Name of an entry in sources."),
  context: relativePathSchema.default(".").describe("Build context, relative to the source root."),
  dockerfile: relativePathSchema.optional().describe("Dockerfile, relative to the source root."),
  image: imageNameSchema.describe("Image repository, e.g. ghcr.io/ahelme/comfyume-worker."),
  tags: z.array(tagTemplateSchema).min(1).default(["{ref}", "sha-{shortSha}"]),
  platforms: z.array(platformSchema).min(1).default(["linux/amd64"]),
  buildArgs: buildArgsSchema.default({}),
  buildContexts: recordSchema(
    z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./:@-]*$/),
    namedContextSchema,
  ).default({}),
  secrets: recordSchema(z.string().regex(/^[A-Za-z0-9_.-]+$/), envNameSchema)
    .default({})
    .describe("Build secrets: secret id -> env var holding its value (RUN --mount=type=secret,id=...)."),
  stage: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
    .nullable()
    .default(null),
  smoke: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .describe("Smoke file, relative to the source root or config dir."),
  cache: cacheConfigSchema.default({ local: true, registryRef: null, maxBytes: null }),
  watch: z
    .array(z.string().min(1))
    .default([])
    .describe("Globs of paths whose change triggers a webhook rebuild."),
  refs: z
    .array(refGlobSchema)
    .min(1, "refs needs at least one glob; leave it out for the source's defaultRef branch")
    .optional()
    .describe(
      "Globs of full ref names whose pushes may trigger a webhook rebuild, e.g. refs/heads/main, refs/tags/v* ('*' stops at '/', '**' does not). Default: the source's defaultRef branch.",
    ),
  backup: z.strictObject({ r2: z.boolean().default(false) }).default({ r2: false }),
  schedule: z.boolean().default(false).describe("Rebuilt by POST /v1/hooks/schedule without a target list."),
  push: z.boolean().default(true).describe("Push by default (requests may override)."),
});
export type TargetConfig = z.infer<typeof targetConfigSchema>;

/** The target's Dockerfile relative to the source root: as configured, else `Dockerfile` in its context. */
export function targetDockerfile(target: Pick<TargetConfig, "context" | "dockerfile">): string {
  return target.dockerfile ?? path.posix.join(target.context, "Dockerfile");
}

export const builderConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    sources: recordSchema(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/), sourceConfigSchema),
    registries: recordSchema(registryHostSchema, registryConfigSchema).default({}),
    targets: recordSchema(targetNameSchema, targetConfigSchema),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, target] of Object.entries(cfg.targets)) {
      if (!Object.hasOwn(cfg.sources, target.source)) {
        ctx.addIssue({
          code: "custom",
          path: ["targets", name, "source"],
          message: `source ${JSON.stringify(target.source)} is not defined in sources (have: ${Object.keys(cfg.sources).join(", ") || "none"})`,
        });
      }
    }
  });
export type BuilderConfig = z.infer<typeof builderConfigSchema>;
