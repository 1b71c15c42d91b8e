// The environment docker, buildx and git children start from (SPEC §7): an allow-list,
// never the builder's own environment, which holds its API and read tokens, the webhook
// and notify secrets, R2 keys and every registry password. What a build adds on top
// (its per-build DOCKER_CONFIG, the env vars of its declared build secrets, git's askpass
// variables) is added by the phase that needs it, for that child only.

/** Variables passed through by name: how to find programs, the daemon, proxies and CAs. */
const NAMES: ReadonlySet<string> = new Set([
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "TMPDIR",
  "TZ",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "XDG_RUNTIME_DIR", // rootless docker's socket lives here
  "DOCKER_HOST",
  "DOCKER_CONTEXT",
  "DOCKER_CONFIG", // the directory of buildx's builder state; builds replace it with their own
  "DOCKER_TLS_VERIFY",
  "DOCKER_CERT_PATH",
  "DOCKER_API_VERSION",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
]);

/** Prefixes of variables that configure buildx and BuildKit themselves (BUILDX_BUILDER, BUILDKIT_PROGRESS...). */
const PREFIXES: readonly string[] = ["BUILDX_", "BUILDKIT_"];

export function isAllowedChildVariable(name: string): boolean {
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The allow-listed part of `env`: the base of every child's environment. `secretNames`
 * (the variables the config names for registry passwords and source tokens) are left out
 * even when a prefix would let them through.
 */
export function buildChildEnv(
  env: Readonly<Record<string, string | undefined>>,
  secretNames: ReadonlySet<string> = new Set(),
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && isAllowedChildVariable(name) && !secretNames.has(name)) out[name] = value;
  }
  return out;
}
