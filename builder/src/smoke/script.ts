// The shell script each test runs inside its own RUN step (its own container, as
// container-structure-test gives every test a fresh one). A script never fails the
// step: it records what happened in files under RESULTS_DIR and exits 0, so every test
// runs whatever the others do. Values reach the shell only through quoteShell.
import type { CommandTest, FileContentTest, FileExistenceTest } from "./schema.js";
import { expandEnv, quoteShell } from "./shell.js";

export type ImageEnv = Readonly<Record<string, string>>;

/** World-writable (1777, copied in from the build context), so any USER can write results. */
export const RESULTS_DIR = "/.cb-smoke";

/** Result files a test writes; names are `<index>.<ext>`. */
export type ResultExt =
  | "out" // stdout, file contents, or `stat` output
  | "err" // stderr of the command, `cat` or `stat`
  | "rc" // exit code of the command, `cat` or `stat`
  | "ms" // "<uptime at start> <uptime at end>" in seconds
  | "wd" // present when workingDir could not be entered (holds cd's error)
  | "setup" // combined output of the setup commands
  | "setupfail" // "<setup index> <exit code>" of the first failing setup command
  | "teardown" // combined output of the teardown commands
  | "teardownfail" // one "<teardown index> <exit code>" line per failing teardown command
  | "exists" // "1" or "0" (file existence)
  | "kind"; // "dir" or "missing" when a file content test cannot read a file

export function resultFile(index: number, ext: ResultExt): string {
  return `${RESULTS_DIR}/${index}.${ext}`;
}

// Script variables are prefixed so they cannot shadow the image's env vars that a
// smoke file expands ($HOME, $PATH...).
function prelude(): string[] {
  return ["read __cb_t0 __cb_rest </proc/uptime 2>/dev/null || __cb_t0=0"];
}

function epilogue(index: number): string[] {
  return [
    "read __cb_t1 __cb_rest </proc/uptime 2>/dev/null || __cb_t1=0",
    `echo "$__cb_t0 $__cb_t1" >${resultFile(index, "ms")}`,
    "exit 0",
  ];
}

/**
 * A subshell that runs argv like container-structure-test does (words already expanded
 * against the image's config env), with the test's env vars exported, through exec, so
 * a builtin name (`exit`, `cd`) is looked up as a program and cannot end the script.
 */
export function buildExecLine(
  argv: readonly string[],
  envVars: CommandTest["envVars"],
  env: ImageEnv,
): string {
  const word = (v: string) => quoteShell(expandEnv(v, env));
  const words = argv.map(word).join(" ");
  const exports = envVars.map((e) => `export ${e.key}=${word(e.value)}; `).join("");
  return `( set -- ${words}; ${exports}exec "$@" )`;
}

export function buildCommandScript(index: number, test: CommandTest, env: ImageEnv): string {
  const f = (ext: ResultExt) => resultFile(index, ext);
  const lines = [...prelude(), "__cb_ok=1"];
  if (test.workingDir !== undefined) {
    const dir = quoteShell(expandEnv(test.workingDir, env));
    // On failure, cd again in a subshell only to capture its message (no `rm` needed).
    lines.push(`if ! cd -- ${dir} 2>/dev/null; then __cb_ok=0; (cd -- ${dir}) 2>${f("wd")}; fi`);
  }
  test.setup.forEach((argv, i) => {
    const run = buildExecLine(argv, test.envVars, env);
    lines.push(
      `if [ $__cb_ok = 1 ]; then ${run} </dev/null >>${f("setup")} 2>&1 || { echo "${i} $?" >${f("setupfail")}; __cb_ok=0; }; fi`,
    );
  });
  const main = buildExecLine([test.command, ...test.args], test.envVars, env);
  lines.push(
    `if [ $__cb_ok = 1 ]; then ${main} </dev/null >${f("out")} 2>${f("err")}; echo $? >${f("rc")}; fi`,
  );
  test.teardown.forEach((argv, i) => {
    const run = buildExecLine(argv, test.envVars, env);
    lines.push(
      `if [ -e ${f("rc")} ]; then ${run} </dev/null >>${f("teardown")} 2>&1 || echo "${i} $?" >>${f("teardownfail")}; fi`,
    );
  });
  return [...lines, ...epilogue(index)].join("\n");
}

function pathLines(path: string, env: ImageEnv): string[] {
  // A path starting with '-' would be read as an option by stat; ./ keeps it a path.
  return [`__cb_p=${quoteShell(expandEnv(path, env))}`, "case $__cb_p in -*) __cb_p=./$__cb_p;; esac"];
}

/** True when a file existence test needs `stat` (mode, owner); plain existence does not. */
export function needsStat(test: FileExistenceTest): boolean {
  return (
    test.permissions !== undefined ||
    test.uid !== undefined ||
    test.gid !== undefined ||
    test.isExecutableBy !== undefined
  );
}

export function buildFileExistenceScript(index: number, test: FileExistenceTest, env: ImageEnv): string {
  const f = (ext: ResultExt) => resultFile(index, ext);
  // lstat semantics (no -L): container-structure-test reads the entry itself from the
  // image's tar stream, so a symlink reports as a symlink.
  const stat = needsStat(test)
    ? [`  stat -c ${quoteShell("%f %u %g")} "$__cb_p" 2>${f("err")} >${f("out")}; echo $? >${f("rc")}`]
    : [];
  return [
    ...prelude(),
    ...pathLines(test.path, env),
    `if [ -e "$__cb_p" ] || [ -L "$__cb_p" ]; then`,
    `  echo 1 >${f("exists")}`,
    ...stat,
    `else`,
    `  echo 0 >${f("exists")}`,
    `fi`,
    ...epilogue(index),
  ].join("\n");
}

export function buildFileContentScript(index: number, test: FileContentTest, env: ImageEnv): string {
  const f = (ext: ResultExt) => resultFile(index, ext);
  return [
    ...prelude(),
    ...pathLines(test.path, env),
    `if [ -d "$__cb_p" ]; then echo dir >${f("kind")}`,
    // stderr first, so a failing `<` (permission denied) lands in the err file.
    `elif [ -e "$__cb_p" ]; then cat 2>${f("err")} >${f("out")} <"$__cb_p"; echo $? >${f("rc")}`,
    `else echo missing >${f("kind")}; fi`,
    ...epilogue(index),
  ].join("\n");
}
