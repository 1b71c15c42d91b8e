// `--help` text for the CLI and every subcommand, each with examples.
import { BUILD_FLAG_HELP } from "../../../common/build-flags.js";
import type { CommandName } from "./commands.js";

const CONNECTION = `Connection (every command):
  --url URL              builder base URL (env BUILDER_URL; default http://127.0.0.1:8080)
  --token TOKEN          builder API token (env BUILDER_TOKEN)
  --wait-ready SECONDS   wait this long for a cold or unreachable builder (default 300)
  SERVERLESS_API_KEY     Verda inference key: sent as Authorization, the token as X-Builder-Token
  A .env file in the working directory is read; real environment variables win.`;

const EXIT_CODES = `Exit codes: 0 succeeded, 1 build/push/backup failed, 2 usage or config error,
  3 smoke tests failed, 4 cancelled or interrupted, 5 builder unreachable, unauthorized or protocol error.`;

export const MAIN_HELP = `comfyume-build: start builds on a comfyume-builder and follow them to the end.

Usage: comfyume-build <command> [options]

Commands:
  submit <target>     start a build and follow it (or --detach)
  status <id>         show one build
  list                list builds, newest first
  logs <id>           print a build's log (--follow to stream it)
  cancel <id>         cancel a queued or running build
  retry <id>          start a new build with the same parameters
  targets             list the configured targets
  schedule            trigger the scheduled rebuilds (what cron calls)

Run \`comfyume-build help <command>\` or \`comfyume-build <command> --help\` for a command's
options; \`comfyume-build --version\` prints the version.

${CONNECTION}

${EXIT_CODES}
`;

export const COMMAND_HELP: Record<CommandName, string> = {
  submit: `Usage: comfyume-build submit <target> [--ref REF | --context DIR] [options]

Starts a build of <target> and shows its progress live: log lines, phase changes and a
summary (digest, tags, smoke results, durations). Exits with the build's outcome.

--context DIR is the target's build context, as in \`docker build DIR\`: for a target whose
config says "context": "queue-manager", DIR is your checkout's queue-manager directory, and
DIR holds the target's Dockerfile (at the same place relative to the context as in the
source). A directory that does not fit the target fails the build with an error that names
the directory to pass.

Options:
${BUILD_FLAG_HELP}
  --detach                  print the build id and return at once
  --json                    print only the final build record on stdout (progress on stderr)
  --idempotency-key K       repeat-safe key (default: a fresh one per invocation)
  --bind                    keep the starting request open until the build ends (POST ?wait=true,
                            events as NDJSON), so a serverless replica is not scaled down mid-build;
                            if that stream drops, the log is followed over SSE. Default: on when
                            SERVERLESS_API_KEY is set
  --no-bind                 start the build, then follow its log over SSE (default without the key)

Examples:
  comfyume-build submit worker --ref v0.11.0 --tag v0.11.0
  comfyume-build submit queue-manager --context ./queue-manager --no-push
  id=$(comfyume-build submit worker --detach) && comfyume-build logs "$id" --follow
  comfyume-build submit worker --json > build.json
  SERVERLESS_API_KEY=dc_... comfyume-build submit worker --ref v0.11.0   # bound to the request

${CONNECTION}

${EXIT_CODES}
`,
  status: `Usage: comfyume-build status <id> [--json]

Shows one build: status, phases, digest, tags, smoke results (and for a running build,
how long it has been running). Exits 0 while it is queued or running, otherwise with the
build's outcome.

Examples:
  comfyume-build status b_01JD8X2M
  comfyume-build status b_01JD8X2M --json | jq -r .digest

${CONNECTION}
`,
  list: `Usage: comfyume-build list [--target T] [--status S] [--limit N] [--cursor C] [--json]

Lists builds, newest first, as a table (or JSON with --json). A running build shows how
long it has been running. When there are more builds than --limit, the last line says
how to ask for the next page.

Options:
  --target T     only builds of this target
  --status S     one of queued, running, succeeded, failed, cancelled, interrupted
  --limit N      at most N builds (1-500, default 50)
  --cursor C     the next page: the nextCursor of the previous page
  --json         print {"builds": [...], "nextCursor": ...}

Examples:
  comfyume-build list --target worker --limit 5
  comfyume-build list --status failed --json

${CONNECTION}
`,
  logs: `Usage: comfyume-build logs <id> [--follow]

Prints a build's log. With --follow, streams it until the build ends (resuming after
dropped connections without repeating a line) and exits with the build's outcome.

Examples:
  comfyume-build logs b_01JD8X2M
  comfyume-build logs b_01JD8X2M --follow

${CONNECTION}
`,
  cancel: `Usage: comfyume-build cancel <id> [--json]

Cancels a queued or running build. Exits 1 if the build had already ended.

Example:
  comfyume-build cancel b_01JD8X2M

${CONNECTION}
`,
  retry: `Usage: comfyume-build retry <id> [--detach] [--json] [--bind | --no-bind]

Starts a new build with the same parameters as <id> and follows it like submit.

Options:
  --detach       print the new build's id and return at once
  --json         print only the final build record on stdout (progress on stderr)
  --bind         keep the starting request open until the build ends (POST ?wait=true,
                 events as NDJSON), so a serverless replica is not scaled down mid-build;
                 if that stream drops, the log is followed over SSE. Default: on when
                 SERVERLESS_API_KEY is set
  --no-bind      start the build, then follow its log over SSE (default without the key)

Examples:
  comfyume-build retry b_01JD8X2M
  comfyume-build retry b_01JD8X2M --detach

${CONNECTION}
`,
  targets: `Usage: comfyume-build targets [--json]

Lists the targets configured on the builder.

Example:
  comfyume-build targets --json

${CONNECTION}
`,
  schedule: `Usage: comfyume-build schedule [--target T]... [--ref REF] [--changed-only] [--json]

Triggers scheduled rebuilds: the named targets, or by default every target with
"schedule": true. Prints one line per build started (id, target, status) and one
per target skipped (with why). Meant for cron:

  0 3 * * * cd /opt/comfyume && comfyume-build schedule >> /var/log/comfyume-build.log 2>&1

  --changed-only   rebuild only targets whose ref now names another commit than
                   their last successful build (the builder asks git ls-remote;
                   nothing is cloned). Cheap enough for every few minutes, so a
                   push whose webhook was lost is still built.

Examples:
  comfyume-build schedule
  comfyume-build schedule --target worker --target frontend
  comfyume-build schedule --changed-only

${CONNECTION}
`,
};
