// Live progress while following a build: log lines as they come, and one line per phase
// change ("==> build succeeded in 8.1 s") as the builder's `phase` events arrive. On a
// terminal the last line is a footer with running timers ("build 12 s · total 15 s"),
// redrawn every second and cleared before anything else is written, so it never ends
// up in the scrollback. Piped output gets the lines only.
import type { BuildRecord, BuildStatus, LogLine } from "../../../common/build-record.js";
import type { PhaseEvent } from "../../../common/stream-events.js";
import { formatDuration, formatElapsed } from "./format.js";
import type { Style } from "./style.js";

const ENDED: readonly string[] = ["succeeded", "failed", "skipped", "cancelled"];
const CLEAR_LINE = "\r\x1b[2K";
/** How long a phase runs silently before its start is shown anyway. */
const START_NOTE_MS = 300;

export interface ProgressOptions {
  /** Draw the timer footer (a terminal that understands `\r` and erase-line). */
  live?: boolean;
  now?: () => number;
  /** How often the footer's timers are redrawn. */
  tickMs?: number;
}

export class ProgressRenderer {
  private readonly phases = new Map<string, string>();
  private readonly running = new Map<string, number>();
  private status: BuildStatus | undefined;
  private statusSince: number | undefined;
  private buildStarted: number | undefined;
  private footer = "";
  private pendingStart: PhaseEvent | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(
    private readonly out: (text: string) => void,
    private readonly style: Style,
    private readonly options: ProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  log(line: LogLine): void {
    this.showStart();
    this.write(line.stream === "system" ? `${this.style.dim(line.line)}\n` : `${line.line}\n`);
  }

  note(text: string): void {
    this.showStart();
    this.write(`${this.style.cyan("==>")} ${text}\n`);
  }

  /**
   * A status event: `queued` and `running` are noted once each (the end has its summary).
   * `announce: false` records a status the caller has already told the user about.
   */
  buildStatus(status: BuildStatus, build?: BuildRecord, announce = true): void {
    if (build?.startedAt) this.buildStarted = Date.parse(build.startedAt);
    if (status === this.status) return;
    this.status = status;
    this.statusSince = this.now();
    if (announce && (status === "queued" || status === "running")) this.note(`build ${status}`);
    else this.redraw();
  }

  /**
   * A phase event, shown once per state. A phase skipped without having started (not
   * reached after a failure) is left to the summary, which lists every phase. A start is
   * shown when the phase prints something, runs for START_NOTE_MS, or ends other than
   * skipped: a phase that only decides to skip itself ("no smoke file") is one line.
   */
  phase(p: PhaseEvent): void {
    if (this.phases.get(p.name) === p.status || p.status === "pending") return;
    if (p.status === "skipped" && p.startedAt === null) return;
    this.phases.set(p.name, p.status);
    if (p.status === "running") {
      this.running.set(p.name, p.startedAt ? Date.parse(p.startedAt) : this.now());
      this.showStart();
      this.pendingStart = p;
      this.startTimer = setTimeout(() => this.showStart(), START_NOTE_MS);
      this.startTimer.unref?.();
      this.redraw();
      return;
    }
    this.running.delete(p.name);
    if (this.pendingStart?.name === p.name && p.status === "skipped") this.dropStart();
    this.note(describePhase(p, this.style));
  }

  private showStart(): void {
    const start = this.pendingStart;
    if (!start) return;
    this.dropStart();
    this.note(describePhase(start, this.style));
  }

  private dropStart(): void {
    clearTimeout(this.startTimer);
    this.pendingStart = undefined;
  }

  /** Writes elsewhere (stderr) without leaving the footer half-overwritten on a shared terminal. */
  aside(write: () => void): void {
    if (this.footer) this.out(CLEAR_LINE);
    this.footer = "";
    write();
    this.redraw();
  }

  /** Clears the footer and stops its timer (before the summary, or when following ends). */
  stop(): void {
    this.showStart();
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.footer) this.out(CLEAR_LINE);
    this.footer = "";
  }

  private write(text: string): void {
    if (!this.options.live) {
      this.out(text);
      return;
    }
    this.out((this.footer ? CLEAR_LINE : "") + text);
    this.footer = "";
    this.redraw();
  }

  private redraw(): void {
    if (!this.options.live) return;
    const text = this.footerText();
    if (text === undefined) return this.stop();
    this.out(CLEAR_LINE + text);
    this.footer = text;
    this.timer ??= setInterval(() => this.redraw(), this.options.tickMs ?? 1000);
    this.timer.unref?.();
  }

  /** `build 12 s · total 15 s` while running, `queued 5 s` before. */
  private footerText(): string | undefined {
    const now = this.now();
    const since = (t: number) => formatElapsed(now - t);
    if (this.status === "queued" && this.statusSince !== undefined)
      return this.style.dim(`… queued ${since(this.statusSince)}`);
    if (this.status !== "running") return undefined;
    const parts = [...this.running].map(([name, t]) => `${this.style.bold(name)} ${since(t)}`);
    const total = this.buildStarted ?? this.statusSince;
    if (total !== undefined) parts.push(this.style.dim(`total ${since(total)}`));
    return `${this.style.cyan("…")} ${parts.join(this.style.dim(" · "))}`;
  }
}

export function describePhase(
  p: Pick<PhaseEvent, "name" | "status" | "durationMs" | "message">,
  style: Style,
): string {
  if (p.status === "running") return `${style.bold(p.name)} started`;
  if (p.status === "skipped") return `${p.name} ${style.dim("skipped")}${p.message ? ` (${p.message})` : ""}`;
  const colour = p.status === "succeeded" ? style.green : p.status === "failed" ? style.red : style.yellow;
  const took = ENDED.includes(p.status) && p.durationMs !== null && p.durationMs !== undefined;
  // A failed phase's message is the build's error, which the summary shows.
  return `${style.bold(p.name)} ${colour(p.status)}${took ? ` in ${formatDuration(p.durationMs)}` : ""}`;
}
