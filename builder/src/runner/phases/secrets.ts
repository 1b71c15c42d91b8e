// Secret values a build touches: they are redacted from every log line and error, and
// reach processes only through files or child env, never argv.
import type { TargetConfig } from "../../config/builder-config.js";
import type { RunnerDeps } from "../runner-deps.js";

export interface RegistryCredential {
  host: string;
  username: string;
  password: string;
}

/** Credentials for every configured registry whose env vars are set. */
export function resolveRegistryCredentials(deps: RunnerDeps): RegistryCredential[] {
  const out: RegistryCredential[] = [];
  for (const [host, reg] of Object.entries(deps.config.config.registries)) {
    const username = deps.secretEnv[reg.usernameEnv];
    const password = deps.secretEnv[reg.passwordEnv];
    if (username && password) out.push({ host, username, password });
  }
  return out;
}

/** The token of a git source, if its tokenEnv is set. */
export function resolveSourceToken(deps: RunnerDeps, sourceName: string): string | undefined {
  const source = deps.config.config.sources[sourceName];
  if (!source || !("git" in source) || !source.tokenEnv) return undefined;
  return deps.secretEnv[source.tokenEnv] || undefined;
}

export function collectSecrets(deps: RunnerDeps, target: TargetConfig): string[] {
  const values = resolveRegistryCredentials(deps).map((c) => c.password);
  const token = resolveSourceToken(deps, target.source);
  if (token) values.push(token);
  for (const envName of Object.values(target.secrets)) {
    const v = deps.secretEnv[envName];
    if (v) values.push(v);
  }
  return values;
}
