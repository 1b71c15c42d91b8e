// What the run command prints: each event of the build as it happens, and a summary
// when it ends. Pure.
import type { BuildRecord } from "../../../common/build-record.js";
import { formatPublication } from "../../../common/publication.js";
import type { StreamEvent } from "../../../common/stream-events.js";

function seconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`;
}

export function renderBuildSummary(r: BuildRecord): string[] {
  const lines = [
    `build ${r.id}: ${r.status}${r.error ? ` (${r.error.code})` : ""} in ${seconds(r.durationMs)}`,
  ];
  if (r.error) lines.push(`  error    ${r.error.message}`);
  if (r.source.kind === "git")
    lines.push(`  source   ${r.source.name} ${r.source.ref} @ ${r.source.commit ?? "?"}`);
  else if (r.source.kind === "upload")
    lines.push(`  source   upload sha256:${r.source.sha256} (${r.source.bytes} bytes)`);
  else
    lines.push(
      `  source   ${r.source.dir ?? r.source.name}${r.source.commit ? ` @ ${r.source.commit}` : ""}`,
    );
  if (r.digest) lines.push(`  digest   ${r.digest}`);
  if (r.tags.length) lines.push(`  tags     ${r.tags.join(", ")}${r.push ? "" : " (not pushed)"}`);
  lines.push(`  ${formatPublication(r)}`);
  if (r.cache) lines.push(`  cache    ${r.cache.cachedSteps}/${r.cache.totalSteps} steps cached`);
  lines.push(
    `  phases   ${r.phases.map((p) => `${p.name} ${p.status}${p.durationMs !== null ? ` ${seconds(p.durationMs)}` : ""}`).join(", ")}`,
  );
  if (r.smoke) {
    lines.push(`  smoke    ${r.smoke.passed} passed, ${r.smoke.failed} failed`);
    for (const t of r.smoke.results) {
      lines.push(
        `    ${t.passed ? "PASS" : "FAIL"} ${t.name}${t.message && !t.passed ? `: ${t.message}` : ""}`,
      );
    }
  }
  if (r.backup) lines.push(`  backup   ${r.backup.key} (${r.backup.bytes} bytes)`);
  return lines;
}

/**
 * One event as a line on stderr: log lines indented (`»` for the builder's own), phase
 * changes as `» phase build succeeded in 8.1 s`. Phases skipped without being started
 * (not reached) are left to the summary, as are status and end events.
 */
export function describeRunEvent(event: StreamEvent): string | undefined {
  if (event.type === "log")
    return event.line.stream === "system" ? `» ${event.line.line}` : `  ${event.line.line}`;
  if (event.type !== "phase") return undefined;
  const p = event.phase;
  if (p.status === "running") return `» phase ${p.name} started`;
  if (p.status === "pending" || (p.status === "skipped" && p.startedAt === null)) return undefined;
  const why = p.message && p.status === "skipped" ? ` (${p.message})` : "";
  return `» phase ${p.name} ${p.status} in ${seconds(p.durationMs)}${why}`;
}
