// Live progress while following a build: log lines as they come, and one line per
// phase or status change ("==> build succeeded in 8.1 s"). `status` events may carry a
// whole record, a phase, or just a status; each is diffed against what was shown.
import { BUILD_STATUSES, PHASE_NAMES, type LogLine, type Phase } from "../../../common/build-record.js";
import { formatDuration } from "./format.js";
import type { Style } from "./style.js";

const ENDED: readonly string[] = ["succeeded", "failed", "skipped", "cancelled"];

export class ProgressRenderer {
  private phases = new Map<string, string>();
  private status: string | undefined;

  constructor(
    private readonly write: (text: string) => void,
    private readonly style: Style,
  ) {}

  log(line: LogLine): void {
    this.write(line.stream === "system" ? `${this.style.dim(line.line)}\n` : `${line.line}\n`);
  }

  /** Shows what changed in a `status` event (or a record fetched some other way). */
  update(data: unknown): void {
    if (typeof data !== "object" || data === null) return;
    const d = data as {
      phases?: unknown;
      phase?: unknown;
      status?: unknown;
      name?: unknown;
      build?: unknown;
    };
    // The builder sends `{status, build}`; the build record carries the phases.
    if (typeof d.build === "object") this.update(d.build);
    if (Array.isArray(d.phases)) d.phases.forEach((p) => this.phase(p));
    if (typeof d.phase === "object") this.phase(d.phase);
    if (typeof d.name === "string" && (PHASE_NAMES as readonly string[]).includes(d.name)) this.phase(d);
    else if (typeof d.status === "string" && (BUILD_STATUSES as readonly string[]).includes(d.status)) {
      this.buildStatus(d.status);
    }
  }

  note(text: string): void {
    this.write(`${this.style.cyan("==>")} ${text}\n`);
  }

  private buildStatus(status: string): void {
    if (status === this.status) return;
    this.status = status;
    if (status === "queued" || status === "running") this.note(`build ${status}`);
  }

  private phase(raw: unknown): void {
    const p = raw as Partial<Phase>;
    if (typeof p?.name !== "string" || typeof p.status !== "string") return;
    if (this.phases.get(p.name) === p.status || p.status === "pending") return;
    this.phases.set(p.name, p.status);
    this.note(describePhase(p as Phase, this.style));
  }
}

export function describePhase(
  p: Pick<Phase, "name" | "status" | "durationMs" | "message">,
  style: Style,
): string {
  if (p.status === "running") return `${style.bold(p.name)} started`;
  if (p.status === "skipped") return `${p.name} ${style.dim("skipped")}${p.message ? ` (${p.message})` : ""}`;
  const colour = p.status === "succeeded" ? style.green : p.status === "failed" ? style.red : style.yellow;
  const took = ENDED.includes(p.status) && p.durationMs !== null && p.durationMs !== undefined;
  const msg = p.message && p.status !== "succeeded" ? `: ${p.message}` : "";
  return `${style.bold(p.name)} ${colour(p.status)}${took ? ` in ${formatDuration(p.durationMs)}` : ""}${msg}`;
}
