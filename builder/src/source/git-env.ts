// The environment every git process of the builder runs with. It is built from
// scratch, not inherited: no user or system gitconfig (so no credential helper,
// url.insteadOf or hooksPath can interfere), never an interactive prompt, messages
// in the C locale (errors are matched on), and a token only through GIT_ASKPASS.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The child-only variable the askpass script reads the token from. */
export const TOKEN_VAR = "COMFYUME_GIT_TOKEN";

// GitHub accepts any user name with a token as the password; the script never holds
// the token itself (it is removed afterwards anyway), it echoes the child's env var.
const ASKPASS_SCRIPT = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' x-access-token ;;
  *) printf '%s\\n' "$${TOKEN_VAR}" ;;
esac
`;

export interface GitEnvOptions {
  token?: string;
  /** PATH for git and its helpers. */
  path?: string;
  /** Extra variables, e.g. HTTPS_PROXY; never a secret. */
  extra?: Record<string, string>;
  /** Parent of the private HOME (default the OS temp dir); a build passes its scratch dir. */
  tmpDir?: string;
}

export interface GitSession {
  env: NodeJS.ProcessEnv;
  /** Removes the temp HOME and the askpass script. */
  dispose(): Promise<void>;
}

/** Creates a private 0700 HOME (with the askpass script when a token is given). */
export async function openGitSession(options: GitEnvOptions = {}): Promise<GitSession> {
  const home = await mkdtemp(path.join(options.tmpDir ?? os.tmpdir(), "comfyume-git-"));
  await chmod(home, 0o700);
  const env: NodeJS.ProcessEnv = buildGitEnv(home, options);
  if (options.token !== undefined) {
    const askpass = path.join(home, "askpass.sh");
    await writeFile(askpass, ASKPASS_SCRIPT, { mode: 0o700 });
    env.GIT_ASKPASS = askpass;
    env[TOKEN_VAR] = options.token;
  }
  return { env, dispose: () => rm(home, { recursive: true, force: true }) };
}

/** The variables (without askpass) for a git run with `home` as its HOME. */
export function buildGitEnv(home: string, options: GitEnvOptions = {}): NodeJS.ProcessEnv {
  return {
    ...options.extra,
    PATH: options.path ?? DEFAULT_PATH,
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GCM_INTERACTIVE: "never",
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
    LC_ALL: "C",
    LANG: "C",
  };
}

/** `-c` options put before every git subcommand: credential helpers off, no hooks. */
export const GIT_SAFE_CONFIG: readonly string[] = [
  "-c",
  "credential.helper=",
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "advice.detachedHead=false",
];
