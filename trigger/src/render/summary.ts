// The final summary of a build: status, digest, tags, smoke results, phase durations,
// and where to read the full log. Also used by `status`.
import type { BuildRecord } from "../../../common/build-record.js";
import { describePublication } from "../../../common/publication.js";
import type { PackStats } from "../context/pack.js";
import { describeRunningTime, formatBytes, formatDuration } from "./format.js";
import type { Style } from "./style.js";

export interface SummaryOptions {
  style: Style;
  /** Set when the context was uploaded by this invocation. */
  upload?: PackStats;
  /** The builder's base URL, for the log link. */
  baseUrl: string;
  /** For a build that has not ended: its time so far is measured to this (default now). */
  now?: number;
}

export function buildSummary(record: BuildRecord, options: SummaryOptions): string {
  const { style } = options;
  const rows: [string, string][] = [
    ["target", record.target],
    ["source", describeSource(record, options.upload)],
  ];
  if (record.digest) rows.push(["digest", record.digest]);
  record.tags.forEach((t, i) => rows.push([i === 0 ? "tags" : "", t]));
  rows.push([record.tags.length > 0 ? "" : "tags", describePublished(record, style)]);
  if (!record.push) rows.push(["push", "off (--no-push)"]);
  if (record.phases.length) rows.push(["phases", record.phases.map((p) => describePhase(p)).join(", ")]);
  if (record.smoke) {
    rows.push(["smoke", `${record.smoke.passed} passed, ${record.smoke.failed} failed`]);
    for (const r of record.smoke.results) {
      const why = !r.passed && r.message ? `: ${r.message}` : "";
      rows.push(["", `${style.mark(r.passed)} ${r.name} (${formatDuration(r.durationMs)})${why}`]);
    }
  }
  if (record.backup) rows.push(["backup", `${record.backup.key} (${formatBytes(record.backup.bytes)})`]);
  if (record.error) rows.push(["error", style.red(`${record.error.code}: ${record.error.message}`)]);
  rows.push([
    "log",
    `comfyume-build logs ${record.id}  (${options.baseUrl}/v1/builds/${encodeURIComponent(record.id)}/logs)`,
  ]);
  const head = `${style.bold(`Build ${record.id}`)} ${colourStatus(record.status, style)}${describeTook(record, options.now ?? Date.now())}`;
  const width = Math.max(...rows.map(([k]) => k.length));
  return [head, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join("\n") + "\n";
}

/** Under the tags: whether they now point at this build's digest, or why not. */
function describePublished(record: BuildRecord, style: Style): string {
  const p = describePublication(record);
  if (!p.published) return style.yellow(`not published: ${p.reason}`);
  const all = p.tags.length === record.tags.length && p.tags.every((t) => record.tags.includes(t));
  return style.green(all ? "published (every tag points at the digest)" : `published: ${p.tags.join(", ")}`);
}

function colourStatus(status: BuildRecord["status"], style: Style): string {
  if (status === "succeeded") return style.green(status);
  if (status === "failed") return style.red(status);
  return style.yellow(status);
}

function describeTook(record: BuildRecord, now: number): string {
  const soFar = describeRunningTime(record, now);
  if (soFar !== undefined) return ` for ${soFar.slice(record.status.length + 1)} so far`;
  const ms =
    record.durationMs ??
    (record.startedAt && record.finishedAt
      ? Date.parse(record.finishedAt) - Date.parse(record.startedAt)
      : null);
  return ms !== null && Number.isFinite(ms) ? ` in ${formatDuration(ms)}` : "";
}

function describeSource(record: BuildRecord, upload: PackStats | undefined): string {
  const s = record.source;
  if (s.kind === "git") return `git ${s.name}@${s.ref}${s.commit ? ` (${s.commit.slice(0, 12)})` : ""}`;
  if (s.kind === "path") return `path ${s.name}${s.commit ? ` (${s.commit.slice(0, 12)})` : ""}`;
  const sent = upload
    ? `; sent ${upload.files} files, ${formatBytes(upload.contentBytes)} (${formatBytes(upload.sentBytes)} ${upload.compression ? `gzip, ${upload.compression}` : "gzipped"})`
    : "";
  return `upload sha256:${s.sha256.slice(0, 12)} (${formatBytes(s.bytes)})${sent}`;
}

function describePhase(p: BuildRecord["phases"][number]): string {
  return p.status === "succeeded" ? `${p.name} ${formatDuration(p.durationMs)}` : `${p.name} ${p.status}`;
}
