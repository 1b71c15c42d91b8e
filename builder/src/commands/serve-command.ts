// `comfyume-builder serve`: the HTTP service. Runs until SIGTERM drains it.
import { EXIT, type ExitCode } from "../../../common/exit-codes.js";
import type { BuilderEnv } from "../config/env.js";
import { startServer } from "../server.js";

export async function serveCommand(env: BuilderEnv, processEnv: NodeJS.ProcessEnv): Promise<ExitCode> {
  const server = await startServer({ env, processEnv });
  await server.done;
  return EXIT.OK;
}
