// Validation of the values a request may send that end up in a git or docker argv.
// Every rule here exists so that nothing a caller sends can become an option of a
// process (a leading "-"), smuggle a second value (control characters), or escape
// a directory ("..", absolute paths). See SPEC §3 "source".
import { z } from "zod";

// Any C0 control, DEL, or C1 control.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

const CONTROL_ALL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;
const NAMED_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r" };

/**
 * A line with its control characters written as escapes (`\n`, `\r`, `\x1b`, `\x9b`...),
 * so one stored line stays one line of text and cannot move a terminal's cursor or
 * colour what follows. Tabs stay: they do neither.
 */
export function escapeControlCharacters(line: string): string {
  return line.replace(
    CONTROL_ALL,
    (c) => NAMED_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** A git ref name or commit SHA as `git check-ref-format` would accept it, never an option. */
export const gitRefSchema = z
  .string()
  .min(1, "a ref must not be empty")
  .max(255, "a ref is at most 255 characters")
  .refine((v) => !v.startsWith("-"), { message: "a ref must not start with '-'" })
  .refine((v) => !hasControlCharacters(v) && !/[\s~^:?*[\\]/.test(v), {
    message: "a ref must not contain spaces, control characters or any of ~ ^ : ? * [ \\",
  })
  .refine((v) => !v.includes("..") && !v.includes("@{") && !v.includes("//"), {
    message: "a ref must not contain '..', '@{' or '//'",
  })
  .refine((v) => !v.startsWith("/") && !v.endsWith("/") && !v.endsWith(".") && !v.endsWith(".lock"), {
    message: "a ref must not start or end with '/', or end with '.' or '.lock'",
  });

/** A docker image tag (the part after ':'), per the distribution reference grammar. */
/**
 * The tag a push goes to on buildx's `docker` driver, which refuses push-by-digest: the
 * image must be behind some tag to reach the registry, and no deployment follows this one.
 * A request may not name it, or a build's unsmoked image would sit behind a requested tag.
 */
export const STAGING_TAG = "comfyume-builder-staging";

export const imageTagSchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
    message:
      "a tag is 1-128 characters of letters, digits, '_', '.' or '-', and must not start with '.' or '-'",
  })
  .refine((tag) => tag !== STAGING_TAG, {
    message: `'${STAGING_TAG}' is reserved: the builder stages unpublished pushes under it`,
  });

/** An OCI platform such as linux/amd64 or linux/arm64/v8. */
export const platformSchema = z.string().regex(/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/, {
  message: "a platform looks like 'linux/amd64' or 'linux/arm/v7'",
});

/**
 * Keys that name JavaScript's object machinery. As a key of a record map they are never
 * data: `__proto__` is dropped by the parser (or swaps the prototype of the object it is
 * assigned into), and `constructor` / `prototype` shadow what every lookup of a missing
 * key would otherwise fall through to. A request or config that sends one gets a 400
 * naming the field instead of a silently dropped or misread entry.
 */
export const PROTOTYPE_KEYS: readonly string[] = ["__proto__", "constructor", "prototype"];

/** A build-arg name. Values are passed as one `KEY=VALUE` argv element, so they cannot become options. */
export const buildArgNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
    message: "a build-arg name is letters, digits and '_', not starting with a digit",
  })
  .refine((v) => !PROTOTYPE_KEYS.includes(v), {
    message: "a build-arg name must not be __proto__, constructor or prototype",
  });

export const buildArgValueSchema = z
  .string()
  .max(4096, "a build-arg value is at most 4096 characters")
  .refine((v) => !hasControlCharacters(v), {
    message: "a build-arg value must not contain control characters",
  });

/**
 * `z.record` that refuses PROTOTYPE_KEYS, naming the key by its path. The check looks at
 * the input's own keys before the record is parsed: zod skips a `__proto__` key without a
 * word, so a check on its output could never see one.
 */
export function recordSchema<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return z.preprocess(
    (input, ctx) => {
      if (input === null || typeof input !== "object" || Array.isArray(input)) return input;
      for (const k of Object.keys(input)) {
        if (PROTOTYPE_KEYS.includes(k)) {
          ctx.issues.push({
            code: "custom",
            input,
            path: [k],
            message: `${JSON.stringify(k)} is not allowed as a key (${PROTOTYPE_KEYS.join(", ")} name JavaScript object internals)`,
          });
        }
      }
      return input;
    },
    z.record(key, value),
  );
}

export const buildArgsSchema = recordSchema(buildArgNameSchema, buildArgValueSchema).refine(
  (v) => Object.keys(v).length <= 64,
  { message: "at most 64 build args" },
);

/**
 * A path relative to a root that may not escape it: no absolute paths, no '..'
 * segments, no leading '-', no control characters.
 */
export const relativePathSchema = z
  .string()
  .min(1, "a path must not be empty")
  .max(1024, "a path is at most 1024 characters")
  .refine((v) => !v.startsWith("-"), { message: "a path must not start with '-'" })
  .refine((v) => !hasControlCharacters(v), { message: "a path must not contain control characters" })
  .refine((v) => !v.startsWith("/") && !/^[A-Za-z]:[\\/]/.test(v) && !v.startsWith("\\"), {
    message: "a path must be relative, not absolute",
  })
  .refine((v) => !v.split(/[\\/]/).includes(".."), { message: "a path must not contain '..' segments" });

/** A registry host (optionally with port), as used in image references and registry config keys. */
export const registryHostSchema = z
  .string()
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/, {
    message: "a registry host looks like 'ghcr.io' or '127.0.0.1:5001'",
  });

/** An image repository reference without tag or digest: host/path[/path...]. */
export const imageNameSchema = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)+$/, {
    message:
      "an image is 'host/owner/name' in lower case, e.g. 'ghcr.io/ahelme/comfyume-worker' or '127.0.0.1:5001/ns/img'",
  });

/** The name of an environment variable (the config names env vars, never holds secrets). */
export const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: "an environment variable name is letters, digits and '_', not starting with a digit",
});
