// /healthz, /readyz, /metrics, /openapi.json and GET /v1/targets.
import type { Context } from "hono";
import { effectiveRefGlobs } from "../../jobs/repo-match.js";
import { targetDockerfile, type BuilderConfig } from "../../config/builder-config.js";
import type { AppDeps, ReadyCheck } from "../deps.js";
import type { TargetView } from "../schemas.js";

export function healthz(c: Context): Response {
  return c.json({ ok: true });
}

export async function readyz(
  c: Context,
  deps: AppDeps,
  probe: () => Promise<ReadyCheck[]>,
): Promise<Response> {
  const checks: ReadyCheck[] = deps.isShuttingDown()
    ? [{ name: "shutdown", ok: false, message: "This replica is shutting down." }]
    : await probe();
  const ok = checks.every((ch) => ch.ok);
  return c.json({ ok, checks }, ok ? 200 : 503);
}

export async function metrics(c: Context, deps: AppDeps): Promise<Response> {
  const text = await deps.metrics.registry.metrics();
  return c.text(text, 200, { "content-type": deps.metrics.registry.contentType });
}

/** The configured targets as clients may see them: env var names at most, never values. Pure. */
export function buildTargetViews(config: BuilderConfig): TargetView[] {
  return Object.entries(config.targets).map(([name, t]) => {
    const source = config.sources[t.source];
    const git = source !== undefined && "git" in source ? source : undefined;
    return {
      name,
      source: t.source,
      sourceKind: git ? "git" : "path",
      image: t.image,
      context: t.context,
      dockerfile: targetDockerfile(t),
      tags: t.tags,
      platforms: t.platforms,
      buildArgNames: Object.keys(t.buildArgs),
      secretEnvNames: Object.values(t.secrets),
      smoke: t.smoke !== null,
      watch: t.watch,
      refs: git ? effectiveRefGlobs(t.refs, git.defaultRef) : [],
      schedule: t.schedule,
      push: t.push,
      backup: t.backup.r2,
    };
  });
}

export function listTargets(c: Context, deps: AppDeps): Response {
  return c.json({ targets: buildTargetViews(deps.config) });
}
