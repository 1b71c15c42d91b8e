// Live parts of a page: the page is fetched again and each element marked `data-part`
// is replaced by its namesake (same id) from the new copy. The server's renderer is the
// only one; the new copy is parsed by DOMParser, which runs no script, and its markup is
// the server's escaped output, never a record value. One fetch at a time; a request for
// a refresh during one runs once it is done.

import { errorMessage } from "../../../../../common/errors.js";

export class PartRefresher {
  private inflight: AbortController | undefined;
  private again = false;

  constructor(
    private readonly onSwapped: (parts: Element[]) => void = () => undefined,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  refresh(): void {
    if (this.inflight) {
      this.again = true;
      return;
    }
    const abort = new AbortController();
    this.inflight = abort;
    void this.run(abort).finally(() => {
      // A cancelled fetch no longer owns the slot: a refresh asked for since then runs on its own.
      if (this.inflight !== abort) return;
      this.inflight = undefined;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  cancel(): void {
    this.again = false;
    this.inflight?.abort();
    this.inflight = undefined;
  }

  private async run(abort: AbortController): Promise<void> {
    try {
      const res = await fetch(location.href, { signal: abort.signal, headers: { accept: "text/html" } });
      if (!res.ok) return this.onError(`Refreshing the page failed (HTTP ${res.status}).`);
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      if (!abort.signal.aborted) this.onSwapped(swapParts(doc));
    } catch (err) {
      if (!abort.signal.aborted) this.onError(`Refreshing the page failed: ${errorMessage(err)}`);
    }
  }
}

/** Replaces each `[data-part]` element with the one of the same id in `doc`; keeps focus. */
export function swapParts(doc: Document): Element[] {
  const swapped: Element[] = [];
  for (const fresh of Array.from(doc.querySelectorAll("[data-part][id]"))) {
    const current = document.getElementById(fresh.id);
    if (!current) continue;
    const focus = focusKey(current);
    const node = document.importNode(fresh, true);
    current.replaceWith(node);
    swapped.push(node);
    if (focus) (node.querySelector<HTMLElement>(focus) ?? null)?.focus();
  }
  return swapped;
}

/** A selector for the focused element inside `part`, to focus its replacement. */
function focusKey(part: Element): string | undefined {
  const active = document.activeElement;
  if (!active || !part.contains(active) || active === part) return undefined;
  if (active.id) return `#${CSS.escape(active.id)}`;
  const action = active.getAttribute("data-action") ?? active.getAttribute("data-rebuild");
  if (action) return `[data-action="${CSS.escape(action)}"], [data-rebuild="${CSS.escape(action)}"]`;
  const href = active.getAttribute("href");
  return href ? `[href="${CSS.escape(href)}"]` : undefined;
}
