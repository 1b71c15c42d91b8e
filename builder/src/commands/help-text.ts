// `--help` of comfyume-builder and of each of its commands, each with examples.
import { BUILD_FLAG_HELP } from "../../../common/build-flags.js";

const EXIT_CODES = `Exit codes: 0 succeeded, 1 build/push/backup failed, 2 usage or config error, 3 smoke tests failed,
  4 cancelled or interrupted, 5 registry unreachable or unauthorized (smoke).`;

const ENVIRONMENT = `Environment: BUILDER_CONFIG, BUILDER_DATA_DIR, BUILDER_CACHE_DIR, BUILDER_CACHE_MAX_BYTES, ...
  (all BUILDER_* variables, validated at start; see the README).`;

export const MAIN_HELP = `comfyume-builder: CPU-only container build runner for ComfyuME.

Usage: comfyume-builder <command> [options]

Commands:
  serve                      the HTTP service (API, console, metrics)
  run <target>               one build in-process, no server (cron, Verda jobs, local)
  smoke <image-ref>          run a smoke file against a pushed image
  config check [FILE]        validate a config file and print what it would build
  config schema              print the config file's JSON Schema
  cache ls                   the cache of each target: size, last use, and the budget
  cache prune                evict least recently used target caches

Run \`comfyume-builder help <command>\` or \`comfyume-builder <command> --help\` for a command's
options; \`comfyume-builder --version\` prints the version.

${ENVIRONMENT}

${EXIT_CODES}
`;

const SERVE = `Usage: comfyume-builder serve

Starts the HTTP service on BUILDER_HOST:BUILDER_PORT (default 0.0.0.0:8080; loopback only
when no token is set): the API under /v1, the operator console at /, /metrics, /healthz,
/readyz. SIGTERM drains running builds for BUILDER_DRAIN_SECONDS, then exits 0.

Example:
  BUILDER_API_TOKEN=... BUILDER_CONFIG=deploy/builder.config.json comfyume-builder serve

${ENVIRONMENT}
`;

const RUN = `Usage: comfyume-builder run <target> [--ref REF | --context DIR] [options]

Runs one build in this process, without a server: the same phases, records, logs (under
BUILDER_DATA_DIR) and exit codes as a build the service runs. Progress goes to stderr.
Ctrl-C cancels the build.

Options (the same as \`comfyume-build submit\`):
${BUILD_FLAG_HELP}
  --json                    print the final build record on stdout (progress goes to stderr)

Examples:
  comfyume-builder run worker --tag v0.11.0
  comfyume-builder run worker --context ./examples/worker --no-push

${ENVIRONMENT}

${EXIT_CODES}
`;

const SMOKE = `Usage: comfyume-builder smoke <image-ref> --file SMOKE [--junit FILE] [--json]

Runs a smoke file (a container-structure-test config) against an image in a registry,
inside BuildKit: no Docker daemon and no GPU needed. Registry credentials come from the
config's \`registries\`, or, for a registry it does not name, from \`docker login\`.

Options:
  --file SMOKE, -f SMOKE    the smoke file (YAML or JSON)
  --junit FILE              also write the results as JUnit XML
  --json                    print the results as JSON on stdout

Example:
  comfyume-builder smoke ghcr.io/ahelme/comfyume-worker:v0.11.0 --file smoke/worker.yaml --junit smoke.xml

${EXIT_CODES}
`;

const CONFIG = `Usage: comfyume-builder config check [FILE]
       comfyume-builder config schema

check: validates a config file (FILE, else BUILDER_CONFIG, else ./builder.config.json, else
the bundled example) and prints every target: image and tags, source, context and Dockerfile,
platforms, smoke file; warns about env vars the config names that are unset and build args a
Dockerfile never declares. A bad file exits 2 with the file, line and column or the JSON path.
schema: prints the config's JSON Schema (what config.schema.json holds).

Examples:
  comfyume-builder config check deploy/builder.config.json
  comfyume-builder config schema > config.schema.json
`;

const CACHE = `Usage: comfyume-builder cache ls [--json]
       comfyume-builder cache prune [--max-bytes N]

ls: the local build cache of each target under BUILDER_CACHE_DIR, largest first: its size,
when a build last used it, and the total against BUILDER_CACHE_MAX_BYTES. Nothing is changed.
prune: removes what crashed builds left, then evicts the least recently used targets' caches
until the total is at most N (default BUILDER_CACHE_MAX_BYTES; 0 removes every cache).
N takes units: 500MiB, 10GiB.

Examples:
  comfyume-builder cache ls
  comfyume-builder cache prune --max-bytes 10GiB
`;

export const COMMAND_HELP = {
  serve: SERVE,
  run: RUN,
  smoke: SMOKE,
  config: CONFIG,
  cache: CACHE,
} as const;
export type BuilderCommandName = keyof typeof COMMAND_HELP;
export const BUILDER_COMMANDS = Object.keys(COMMAND_HELP) as BuilderCommandName[];
