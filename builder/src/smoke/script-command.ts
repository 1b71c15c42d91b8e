// The script of one command test, run in its own RUN step (a fresh container, as
// container-structure-test gives each test) as the image's USER (or
// containerRunOptions.user). It reproduces how Docker starts a container process:
//
// - environment: the image's env (what the RUN step starts with; ash's own SHLVL, PWD
//   and OLDPWD are taken back out), HOSTNAME as Docker sets it unless the image sets
//   one, then the driver's overlay (container-env.ts);
// - argv: looked up in $PATH like runc's exec.LookPath (never a busybox applet), started
//   with `exec -a` so argv[0] is the name as given; a command that cannot be found or
//   started fails the test as the driver's "error creating container" does;
// - setup commands run first in the same container (the driver commits each one), with
//   their exit status ignored; teardown is skipped, as the docker driver skips it.
import type { CommandPlan, EnvList, ProcessPlan } from "./container-env.js";
import { quoteShell } from "./shell.js";
import { epilogue, isShellName, prelude, resultFile, type ResultExt } from "./script.js";

/** Defines __cb_start: resolve $1 as runc does and exec it; on failure write why to $__cb_fail. */
const START_FUNCTION = [
  "__cb_start() {",
  '  __cb_name=$1; shift; __cb_bin=""',
  "  case $__cb_name in",
  '    */*) if [ -e "$__cb_name" ] && [ ! -d "$__cb_name" ] && [ -x "$__cb_name" ]; then __cb_bin=$__cb_name; fi ;;',
  "    ?*)",
  "      __cb_rest=${PATH-}",
  '      while [ -n "$__cb_rest" ]; do',
  "        __cb_d=${__cb_rest%%:*}",
  '        case $__cb_rest in *:*) __cb_rest=${__cb_rest#*:} ;; *) __cb_rest="" ;; esac',
  // Relative PATH entries are refused by runc (Go's exec.ErrDot).
  "        case $__cb_d in /*) ;; *) continue ;; esac",
  '        if [ -e "$__cb_d/$__cb_name" ] && [ ! -d "$__cb_d/$__cb_name" ] && [ -x "$__cb_d/$__cb_name" ]; then __cb_bin=$__cb_d/$__cb_name; break; fi',
  "      done ;;",
  "  esac",
  '  if [ -z "$__cb_bin" ]; then',
  "    case $__cb_name in",
  '      */*) echo "exec: \\"$__cb_name\\": no such executable file" >"$__cb_fail" ;;',
  '      *) echo "exec: \\"$__cb_name\\": executable file not found in \\$PATH" >"$__cb_fail" ;;',
  "    esac",
  "    exit 127",
  "  fi",
  // The kernel runs only ELF binaries and #! scripts (Docker then fails to start the
  // container); ash would run anything else as a shell script, so it is refused first.
  '  if [ -r "$__cb_bin" ]; then',
  '    __cb_h=$("$__cb_b" head -c 4 -- "$__cb_bin" | "$__cb_b" od -An -tx1 | "$__cb_b" tr -d " \\n")',
  '    case $__cb_h in 7f454c46|2321*) ;; *) echo "exec: \\"$__cb_name\\": exec format error" >"$__cb_fail"; exit 126 ;; esac',
  "  fi",
  '  exec -a "$__cb_name" "$__cb_bin" "$@"',
  "}",
];

/** Puts back the environment the RUN step started with (ash adds SHLVL, PWD, OLDPWD). */
function restoreEnvironment(hostname: string): string[] {
  return [
    "unset SHLVL PWD OLDPWD HOSTNAME",
    '__cb_hn=""',
    "while IFS= read -r -d '' __cb_e; do",
    "  case ${__cb_e%%=*} in HOSTNAME) __cb_hn=1 ;; esac",
    '  case ${__cb_e%%=*} in ""|[0-9]*|*[!A-Za-z0-9_]*) ;; *) export "$__cb_e" ;; esac',
    "done </proc/$$/environ",
    // Docker sets HOSTNAME to the container's hostname unless the image's env has one
    // (ash keeps a HOSTNAME of its own, so the environment is what counts).
    `[ -n "$__cb_hn" ] || export HOSTNAME=${quoteShell(hostname)}`,
  ];
}

/** A subshell that sets the overlay and starts argv; failures to start go to `failFile`. */
export function buildStartLine(process: ProcessPlan, failFile: string): string {
  const exports = process.overlay.filter(([k]) => isShellName(k));
  const odd = process.overlay.filter(([k]) => !isShellName(k));
  const parts = [`__cb_fail=${failFile}`];
  if (exports.length > 0) parts.push(`export ${exports.map(([k, v]) => quoteShell(`${k}=${v}`)).join(" ")}`);
  const argv = process.argv.map(quoteShell).join(" ");
  // Names ash cannot export (Docker allows any) are set by `env` (argv[0] is then the path).
  if (odd.length > 0)
    parts.push(`__cb_start "$__cb_b" env ${odd.map(([k, v]) => quoteShell(`${k}=${v}`)).join(" ")} ${argv}`);
  else parts.push(`__cb_start ${argv}`);
  return `( ${parts.join("; ")} )`;
}

export interface CommandScriptInput {
  index: number;
  plan: CommandPlan;
  workingDir?: string;
  hostname: string;
}

export function buildCommandScript({ index, plan, workingDir, hostname }: CommandScriptInput): string {
  const f = (ext: ResultExt) => resultFile(index, ext);
  const lines = [...prelude(), ...START_FUNCTION];
  lines.push("__cb_ok=1");
  if (workingDir !== undefined) {
    const dir = quoteShell(workingDir);
    lines.push(`if ! cd -- ${dir} 2>/dev/null; then __cb_ok=0; (cd -- ${dir}) 2>${f("wd")}; fi`);
  }
  lines.push(...restoreEnvironment(hostname));
  plan.setup.forEach((process, i) => {
    const fail = `${f("setupfail")}.${i}`;
    lines.push(
      `if [ $__cb_ok = 1 ]; then ${buildStartLine(process, fail)} </dev/null >/dev/null 2>&1; [ -e ${fail} ] && { echo ${i} >${f("setupfail")}; __cb_ok=0; }; fi`,
    );
  });
  lines.push(
    `if [ $__cb_ok = 1 ]; then ${buildStartLine(plan.main, f("nostart"))} </dev/null >${f("out")} 2>${f("err")}; echo $? >${f("rc")}; fi`,
  );
  return [...lines, ...epilogue(index)].join("\n");
}

/** The overlay keys a plan sets, for tests and messages. */
export function overlayKeys(overlay: EnvList): string[] {
  return overlay.map(([k]) => k);
}
