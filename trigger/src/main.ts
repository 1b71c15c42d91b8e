#!/usr/bin/env node
// The `comfyume-build` binary: wires the real process (argv, env, streams, Ctrl-C) to runCli.
import { setFlagsFromString } from "node:v8";
import { runCli } from "./cli/run.js";

// undici parses HTTP with llhttp compiled to WebAssembly; V8 then recompiles the whole
// module with TurboFan on a background thread, which peaks at ~35 MiB (measured: an
// undici request's process peak RSS 91 MiB against 56 MiB with this flag) and costs CPU
// while a context is being gzipped. The responses the CLI parses are small (JSON, a log
// stream), so the baseline compiler is plenty. Set before undici is loaded (lazily, by
// http/undici-request.ts; nothing imported above loads it).
setFlagsFromString("--liftoff-only");

const controller = new AbortController();
process.once("SIGINT", () => controller.abort(new Error("interrupted (SIGINT)")));
process.once("SIGTERM", () => controller.abort(new Error("interrupted (SIGTERM)")));
// A reader that goes away (`| head`) is not an error of ours.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
});
// Exit once the output is flushed, without waiting for idle keep-alive sockets.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
