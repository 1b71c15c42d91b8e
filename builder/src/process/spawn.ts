// The one place that starts processes. argv arrays only (never a shell), output split
// into lines, an AbortSignal that kills the whole process group, and redaction of
// secrets before any line reaches a caller, a log or an error message.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export type OutputStream = "stdout" | "stderr";

export interface RunOptions {
  cwd?: string;
  /** Full environment for the child. Defaults to the parent's. */
  env?: NodeJS.ProcessEnv;
  /** Aborting kills the whole process group (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Called for every output line, already redacted. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Values that must never appear in output; replaced by `***`. */
  secrets?: readonly string[];
  /** Data written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Keep at most this many trailing lines per stream in the result (default 200). */
  keepLines?: number;
  /** Raw stdout is piped here instead of being line-split (for binary output). */
  stdoutSink?: NodeJS.WritableStream;
}

export interface RunResult {
  argv: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the process was killed because the AbortSignal fired. */
  aborted: boolean;
  stdout: string[];
  stderr: string[];
  durationMs: number;
}

export class SpawnError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = "SpawnError";
  }
}

/** Builds a redactor that replaces every secret (longest first) with `***`. */
export function buildRedactor(secrets: readonly string[] = []): (text: string) => string {
  const values = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join("***");
    return out;
  };
}

/**
 * Runs argv[0] with argv[1..] in its own process group and resolves when it exits,
 * whatever the exit code (callers decide what failure means). Rejects only if the
 * program cannot be started.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [command, ...args] = argv;
  if (!command) return Promise.reject(new Error("run: empty argv"));
  const redact = buildRedactor(options.secrets);
  const keep = options.keepLines ?? 200;
  const started = Date.now();
  const stdout: string[] = [];
  const stderr: string[] = [];

  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ argv, exitCode: null, signal: null, aborted: true, stdout, stderr, durationMs: 0 });
      return;
    }
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env, // undefined: the child inherits this process's environment
      detached: true, // own process group, so abort can kill grandchildren (buildx, git helpers)
      stdio: ["pipe", "pipe", "pipe"],
    });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // The group is already gone (ESRCH): nothing left to kill.
      }
    };
    const onAbort = () => {
      aborted = true;
      killGroup("SIGTERM");
      killTimer = setTimeout(() => killGroup("SIGKILL"), options.killGraceMs ?? 5000);
      killTimer.unref();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const collect = (stream: OutputStream, sink: string[]) => (raw: string) => {
      const line = redact(raw);
      sink.push(line);
      if (sink.length > keep) sink.shift();
      options.onLine?.(stream, line);
    };
    if (options.stdoutSink) child.stdout.pipe(options.stdoutSink);
    else createInterface({ input: child.stdout, crlfDelay: Infinity }).on("line", collect("stdout", stdout));
    const errLines = createInterface({ input: child.stderr, crlfDelay: Infinity });
    errLines.on("line", collect("stderr", stderr));

    child.stdin.on("error", () => {
      // EPIPE when the child exits without reading its input; the exit code tells the story.
    });
    child.stdin.end(options.input ?? "");

    child.on("error", (err) => {
      options.signal?.removeEventListener("abort", onAbort);
      reject(new Error(`could not start ${JSON.stringify(command)}: ${err.message}`));
    });
    child.on("close", (exitCode, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      // Kill stragglers left in the group (a daemonised helper must not outlive the build).
      if (aborted) killGroup("SIGKILL");
      resolve({ argv, exitCode, signal, aborted, stdout, stderr, durationMs: Date.now() - started });
    });
  });
}

/** Like run(), but a non-zero exit (or abort) rejects with a SpawnError quoting the last stderr lines. */
export async function runChecked(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.exitCode !== 0) {
    const tail = result.stderr.slice(-5).join("\n") || result.stdout.slice(-5).join("\n");
    const how = result.aborted ? "was cancelled" : `exited with ${result.exitCode ?? result.signal}`;
    throw new SpawnError(`${argv[0]} ${argv[1] ?? ""} ${how}${tail ? `: ${tail}` : ""}`.trim(), result);
  }
  return result;
}
