// Times that move: running timers (`data-since`), ages ("5 min ago", `data-age`), and
// exact times shown in the viewer's own time zone (`data-local`). One tick a second,
// skipped while the tab is hidden. Only textContent is written.
import { formatAge, formatElapsed } from "../format.js";

export function tickTimes(root: ParentNode = document): void {
  const now = Date.now();
  for (const el of Array.from(root.querySelectorAll<HTMLElement>("[data-since]"))) {
    const since = Date.parse(el.dataset.since ?? "");
    if (Number.isFinite(since)) el.textContent = formatElapsed(now - since);
  }
  for (const el of Array.from(root.querySelectorAll<HTMLTimeElement>("time[data-age]"))) {
    const at = Date.parse(el.dateTime);
    if (Number.isFinite(at)) el.textContent = formatAge(now - at);
  }
  for (const el of Array.from(root.querySelectorAll<HTMLTimeElement>("time[data-local]"))) {
    const at = new Date(el.dateTime);
    if (Number.isFinite(at.getTime())) {
      el.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
      el.title = el.dateTime;
      el.removeAttribute("data-local");
    }
  }
}

export function startTimers(): void {
  tickTimes();
  setInterval(() => {
    if (!document.hidden) tickTimes();
  }, 1000);
}
