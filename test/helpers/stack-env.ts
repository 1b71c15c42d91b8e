// Loads the stack's environment (written by scripts/stack/start.sh) into process.env
// for integration tests: DOCKER_HOST, the registries and their credentials.
import { readFileSync } from "node:fs";

export const STACK_DIR = process.env.COMFYUME_STACK_DIR ?? "/var/tmp/comfyume-stack";

function loadStackEnv(): void {
  let text: string;
  try {
    text = readFileSync(`${STACK_DIR}/stack.env`, "utf8");
  } catch {
    throw new Error(
      `${STACK_DIR}/stack.env is missing: the stack is not started. Run \`bash scripts/stack/start.sh\` (npm test does).`,
    );
  }
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) process.env[m[1]!] = m[2]!;
}
loadStackEnv();

export interface Stack {
  dockerHost: string;
  /** Plain registry with the stand-in base images (Docker Hub stand-in). */
  mirror: string;
  /** Registry with htpasswd auth (GHCR stand-in). */
  registry: string;
  user: string;
  password: string;
}

export function stack(): Stack {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set; is the stack started (scripts/stack/start.sh)?`);
    return v;
  };
  return {
    dockerHost: need("DOCKER_HOST"),
    mirror: need("COMFYUME_MIRROR"),
    registry: need("COMFYUME_REGISTRY"),
    user: need("COMFYUME_REGISTRY_USER"),
    password: need("COMFYUME_REGISTRY_PASSWORD"),
  };
}

/**
 * The stack's second dockerd, with Docker's classic image store (scripts/stack/start.sh):
 * its socket is at a fixed place under the stack dir, whichever checkout wrote stack.env.
 */
export function classicDockerHost(): string {
  return process.env.COMFYUME_CLASSIC_DOCKER_HOST ?? `unix://${STACK_DIR}/run/docker-classic.sock`;
}

export const BUSYBOX = () => `${stack().mirror}/stand-in/busybox:1`;
export const PYTHON = () => `${stack().mirror}/stand-in/python:3.11-bookworm`;
