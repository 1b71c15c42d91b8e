// What the generated scripts share. Every script runs under a static busybox mounted
// from the build context at TOOLS_DIR (SHELL in plan.ts), not under the image's shell,
// so images without /bin/sh, `stat` or `cat` (scratch, distroless) are tested the same
// way. A script never fails its RUN step: it records what happened in files under
// RESULTS_DIR and exits 0, so every test runs whatever the others do.

/** World-writable (1777, copied in from the build context), so any USER can write results. */
export const RESULTS_DIR = "/.cb-smoke";
/** Where the static busybox is bind-mounted (read-only) in every test step. */
export const TOOLS_DIR = "/.cb-tools";
export const BUSYBOX = `${TOOLS_DIR}/busybox`;

/** Result files a test writes; names are `<index>.<ext>`. */
export type ResultExt =
  | "out" // stdout, or the file's contents
  | "err" // stderr of the command
  | "rc" // exit code of the command
  | "ms" // "<uptime at start> <uptime at end>" in seconds
  | "wd" // workingDir could not be entered (cd's error)
  | "nostart" // the command could not be started (why)
  | "setupfail" // "<setup index> <why>": a setup command could not be started
  | "stat" // file existence: "<hex st_mode> <uid> <gid>" as Docker's archive reports it, or "missing"
  | "readerr" // file content: why the file could not be read
  | "lic"; // license test: one failure per line

export function resultFile(index: number, ext: ResultExt): string {
  return `${RESULTS_DIR}/${index}.${ext}`;
}

// Script variables are prefixed so they cannot clash with the image's env vars, which
// the commands under test inherit.
export function prelude(): string[] {
  return [`__cb_b=${BUSYBOX}`, "read __cb_t0 __cb_rest </proc/uptime 2>/dev/null || __cb_t0=0"];
}

export function epilogue(index: number): string[] {
  return [
    "read __cb_t1 __cb_rest </proc/uptime 2>/dev/null || __cb_t1=0",
    `echo "$__cb_t0 $__cb_t1" >${resultFile(index, "ms")}`,
  ];
}

/** An environment variable name ash can export (others go through `env`). */
export function isShellName(key: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
}
