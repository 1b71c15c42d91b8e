// Turns docker/buildx failure output into a SmokeError that says what went wrong with
// the image (unauthorized, not found, a USER BuildKit cannot resolve) rather than
// "exit code 1".
import { SmokeError } from "./errors.js";

function lastErrorLine(stderr: readonly string[]): string | undefined {
  const errors = stderr.filter((l) => /\bERROR\b|error:/i.test(l));
  return (errors.at(-1) ?? stderr.at(-1))
    ?.replace(/^(#\d+ )?ERROR:\s*(failed to solve:\s*)?/, "")
    .replace(/process "(?:[^"\\]|\\.)*" did not complete successfully: /, "")
    .trim();
}

/** The user BuildKit could not resolve for a RUN step ("unable to find user 1000"), if that failed. */
export function unresolvedUser(stderr: readonly string[]): string | undefined {
  return /unable to find user ([^:\s]+)/.exec(stderr.join("\n"))?.[1];
}

/** `action` completes "could not ... <ref>", e.g. "read the config of". */
export function classifyDockerFailure(stderr: readonly string[], ref: string, action: string): SmokeError {
  const text = stderr.join("\n");
  if (
    /is not a docker command|unknown command "buildx"|unknown flag: --builder|no builder .* found/i.test(text)
  ) {
    return new SmokeError(
      "SMOKE_BUILDX_UNAVAILABLE",
      `docker buildx is not usable here (${lastErrorLine(stderr) ?? "no output"}); install docker-buildx or fix the builder name`,
    );
  }
  const user = unresolvedUser(stderr);
  if (user !== undefined) {
    return new SmokeError(
      "SMOKE_USER_UNKNOWN",
      `BuildKit could not find user ${user} in ${ref} (${lastErrorLine(stderr) ?? "no output"})`,
    );
  }
  if (
    /401 Unauthorized|403 Forbidden|authorization failed|no basic auth credentials|unauthorized|denied/i.test(
      text,
    )
  ) {
    return new SmokeError(
      "SMOKE_IMAGE_UNAUTHORIZED",
      `the registry refused access to ${ref}: could not ${action} it (${lastErrorLine(stderr) ?? "unauthorized"}); check the registry credentials in DOCKER_CONFIG`,
    );
  }
  if (
    /connection refused|no such host|i\/o timeout|network is unreachable|TLS handshake timeout/i.test(text)
  ) {
    return new SmokeError(
      "SMOKE_REGISTRY_UNREACHABLE",
      `could not reach the registry of ${ref}: could not ${action} it (${lastErrorLine(stderr) ?? "no output"})`,
    );
  }
  if (/not found|manifest unknown|name unknown/i.test(text)) {
    return new SmokeError(
      "SMOKE_IMAGE_NOT_FOUND",
      `${ref} was not found in its registry: could not ${action} it`,
    );
  }
  return new SmokeError(
    "SMOKE_RUN_FAILED",
    `could not ${action} ${ref}: ${lastErrorLine(stderr) ?? "no output"}`,
  );
}
