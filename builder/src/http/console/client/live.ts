// When the console may hold a stream or poll (SPEC §8, no surprise bills): on Verda
// serverless an open request keeps a replica, and its bill, alive. So a page is live only
// while its tab is visible and someone is using it: hidden, it lets go at once; after
// `idleMs` without input it stops and shows "Resume". The header says which it is.

export interface LiveSource {
  /** Open the stream or start polling. */
  start(): void;
  /** Close it; no request may stay open after this returns. */
  stop(): void;
}

type State = "live" | "idle" | "hidden" | "done" | "static";

// Input only: scrolling and focus also happen programmatically (a followed log scrolls itself).
const ACTIVITY = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"];

export class LiveController {
  private state: State = "static";
  private lastInput = Date.now();
  private running = false;
  private connection: "ok" | "retrying" = "ok";
  private readonly box = document.getElementById("live");
  private readonly text = document.getElementById("live-text");
  private readonly resume = document.getElementById("resume") as HTMLButtonElement | null;

  constructor(
    private readonly source: LiveSource,
    private readonly idleMs: number,
  ) {}

  init(): void {
    for (const type of ACTIVITY)
      addEventListener(type, () => (this.lastInput = Date.now()), { capture: true, passive: true });
    document.addEventListener("visibilitychange", () => this.onVisibility());
    // Leaving the page (or the browser freezing it) closes the stream too.
    addEventListener("pagehide", () => this.stopSource());
    addEventListener("pageshow", (e) => (e as PageTransitionEvent).persisted && this.onVisibility());
    this.resume?.addEventListener("click", () => {
      this.lastInput = Date.now();
      this.go("live");
    });
    setInterval(() => this.checkIdle(), Math.min(10_000, this.idleMs / 4));
    this.go(document.hidden ? "hidden" : "live");
  }

  /** Nothing more will change (the build ended): stop for good. */
  done(): void {
    this.go("done");
  }

  /**
   * Runs `fn` with the source stopped, then starts it again if the page is still live.
   * On Verda a replica serves one request at a time: an action posted beside an open
   * stream would wait for the stream (or wake another replica).
   */
  async without<T>(fn: () => Promise<T>): Promise<T> {
    this.stopSource();
    try {
      return await fn();
    } finally {
      if (this.state === "live") this.startSource();
    }
  }

  /** The source reports whether its connection is up, for the header. */
  setConnection(state: "ok" | "retrying"): void {
    this.connection = state;
    this.render();
  }

  get isLive(): boolean {
    return this.state === "live";
  }

  private onVisibility(): void {
    if (this.state === "done" || this.state === "idle") return;
    if (document.hidden) this.go("hidden");
    else {
      this.lastInput = Date.now();
      this.go("live");
    }
  }

  private checkIdle(): void {
    if (this.state === "live" && Date.now() - this.lastInput >= this.idleMs) this.go("idle");
  }

  private go(state: State): void {
    this.state = state;
    if (state === "live") this.startSource();
    else this.stopSource();
    this.render();
  }

  private startSource(): void {
    if (this.running) return;
    this.running = true;
    this.source.start();
  }

  private stopSource(): void {
    if (!this.running) return;
    this.running = false;
    this.source.stop();
  }

  private render(): void {
    const minutes = Math.round(this.idleMs / 60_000);
    const text: Record<State, string> = {
      live: this.connection === "ok" ? "Live" : "Reconnecting…",
      idle: `Paused after ${minutes >= 1 ? `${minutes} min` : `${Math.round(this.idleMs / 1000)} s`} idle`,
      hidden: "Paused while hidden",
      done: "Up to date",
      static: "",
    };
    if (this.box)
      this.box.dataset.state = this.state === "live" && this.connection !== "ok" ? "retrying" : this.state;
    if (this.text) this.text.textContent = text[this.state];
    if (this.resume) this.resume.hidden = this.state !== "idle";
  }
}
