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

/** A build-arg name. Values are passed as one `KEY=VALUE` argv element, so they cannot become options. */
export const buildArgNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, {
  message: "a build-arg name is letters, digits and '_', not starting with a digit",
});

export const buildArgValueSchema = z
  .string()
  .max(4096, "a build-arg value is at most 4096 characters")
  .refine((v) => !hasControlCharacters(v), {
    message: "a build-arg value must not contain control characters",
  });

export const buildArgsSchema = z
  .record(buildArgNameSchema, buildArgValueSchema)
  .refine((v) => Object.keys(v).length <= 64, { message: "at most 64 build args" });

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
