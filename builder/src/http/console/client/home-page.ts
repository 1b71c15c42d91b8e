// The front page, live: while it is live (live.ts) the page is fetched again every
// REFRESH_MS and its parts (targets, the builds list) swapped in; trend charts are drawn
// from each card's data. With the API token, Rebuild opens a dialog that starts a build
// (POST v1/builds, as `submit`) and goes to its page.
import { postJson } from "./http.js";
import { LiveController, type LiveSource } from "./live.js";
import { PartRefresher } from "./parts.js";
import { tickTimes } from "./timers.js";
import { drawTrends } from "./trend-chart.js";

const REFRESH_MS = 10_000;

export function initHomePage(idleMs: number): void {
  drawTrends(document);
  const parts = new PartRefresher((swapped) => {
    for (const part of swapped) {
      tickTimes(part);
      drawTrends(part);
    }
  });
  let timer: number | undefined;
  // The first paint is current: the first start only sets the timer.
  let fresh = true;
  const source: LiveSource = {
    start() {
      if (!fresh) parts.refresh();
      fresh = false;
      timer = window.setInterval(() => parts.refresh(), REFRESH_MS);
    },
    stop() {
      clearInterval(timer);
      parts.cancel();
    },
  };
  const live = new LiveController(source, idleMs);
  live.init();
  initRebuild();
}

function initRebuild(): void {
  const dialog = document.getElementById("rebuild") as HTMLDialogElement | null;
  const form = document.getElementById("rebuild-form") as HTMLFormElement | null;
  if (!dialog || !form) return;
  const error = document.getElementById("rebuild-error");
  const refRow = document.getElementById("rebuild-ref-row");
  let target = "";
  document.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-rebuild]");
    if (!button) return;
    target = button.dataset.rebuild ?? "";
    const title = document.getElementById("rebuild-target");
    if (title) title.textContent = target;
    if (refRow) refRow.hidden = button.dataset.git !== "true";
    form.reset();
    const tags = form.elements.namedItem("tags") as HTMLInputElement;
    tags.placeholder = button.dataset.tags ?? "";
    if (error) error.hidden = true;
    dialog.showModal();
  });
  document.getElementById("rebuild-cancel")?.addEventListener("click", () => dialog.close());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const ref = String(data.get("ref") ?? "").trim();
    const tags = String(data.get("tags") ?? "")
      .split(/[\s,]+/)
      .filter(Boolean);
    const submit = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (submit) submit.disabled = true;
    postJson<{ id: string }>("v1/builds", {
      target,
      ...(ref ? { ref } : {}),
      ...(tags.length ? { tags } : {}),
    })
      .then((record) => (location.href = `builds/${encodeURIComponent(record.id)}`))
      .catch((err: Error) => {
        if (error) {
          error.textContent = err.message;
          error.hidden = false;
        }
      })
      .finally(() => submit && (submit.disabled = false));
  });
}
