// The build log: one element per line, text only. Lines arriving together are appended
// in one frame. Follow (on by default) keeps the newest line in view inside the log box;
// scrolling up turns it off, scrolling back to the end turns it on again, and while it is
// off nothing moves what the reader is looking at. Search hides the lines that do not match.
import type { LogLine } from "../../../../../common/build-record.js";

export class LogView {
  private pending: LogLine[] = [];
  private scheduled = false;
  private follow = true;
  private query = "";
  private total = 0;
  private matches = 0;
  private autoScrolling = false;

  constructor(
    private readonly box: HTMLElement,
    private readonly follower: HTMLButtonElement | null,
    private readonly search: HTMLInputElement | null,
    private readonly count: HTMLElement | null,
  ) {
    this.follower?.addEventListener("click", () => this.setFollow(!this.follow));
    this.box.addEventListener("scroll", () => this.onScroll(), { passive: true });
    let debounce: number | undefined;
    this.search?.addEventListener("input", () => {
      clearTimeout(debounce);
      debounce = window.setTimeout(() => this.setQuery(this.search?.value ?? ""), 120);
    });
    this.search?.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.search) {
        this.search.value = "";
        this.setQuery("");
      }
    });
    this.renderCount();
  }

  append(line: LogLine): void {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const frag = document.createDocumentFragment();
    for (const line of batch) {
      const el = document.createElement("div");
      el.className = `ln ln-${line.stream}`;
      el.textContent = line.line;
      el.dataset.seq = String(line.seq);
      this.total++;
      if (this.query && !this.isMatch(line.line)) el.hidden = true;
      else if (this.query) this.matches++;
      frag.append(el);
    }
    this.box.append(frag);
    this.renderCount();
    if (this.follow) this.scrollToEnd();
  }

  private isMatch(text: string): boolean {
    return text.toLowerCase().includes(this.query);
  }

  private setQuery(raw: string): void {
    this.query = raw.trim().toLowerCase();
    this.matches = 0;
    for (const el of Array.from(this.box.children) as HTMLElement[]) {
      const hit = !this.query || this.isMatch(el.textContent ?? "");
      el.hidden = !hit;
      if (hit && this.query) this.matches++;
    }
    this.box.classList.toggle("filtered", Boolean(this.query));
    this.renderCount();
    if (this.follow) this.scrollToEnd();
  }

  private renderCount(): void {
    if (!this.count) return;
    const lines = `${this.total.toLocaleString()} line${this.total === 1 ? "" : "s"}`;
    this.count.textContent = this.query ? `${this.matches.toLocaleString()} of ${lines} match` : lines;
  }

  private setFollow(on: boolean): void {
    this.follow = on;
    this.follower?.setAttribute("aria-pressed", String(on));
    if (on) this.scrollToEnd();
  }

  private scrollToEnd(): void {
    this.autoScrolling = true;
    this.box.scrollTop = this.box.scrollHeight;
    requestAnimationFrame(() => (this.autoScrolling = false));
  }

  private onScroll(): void {
    if (this.autoScrolling) return;
    const atEnd = this.box.scrollHeight - this.box.scrollTop - this.box.clientHeight < 8;
    if (atEnd !== this.follow) this.setFollow(atEnd);
  }
}
