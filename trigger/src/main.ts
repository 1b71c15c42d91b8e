#!/usr/bin/env node
// The `comfyume-build` binary: wires the real process (argv, env, streams, Ctrl-C) to runCli.
import { runCli } from "./cli/run.js";

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
