// A build's page, live over one connection: `<id>/events` (SSE) carries the build's log
// lines, its status and phase events, and `parts` events with the page's parts rendered
// again by the server whenever the record changes (build-stream.tsx), so status, phases,
// smoke results, digest and published tags follow the build with no reload and no other
// request. The stream is held only while the page is live (live.ts); when it resumes it
// asks for the lines after the last one shown. Cancel and retry use the API token the
// browser signed in with (the buttons are only rendered for it).
import type { LogLine } from "../../../../../common/build-record.js";
import { postJson } from "./http.js";
import { LiveController, type LiveSource } from "./live.js";
import { LogView } from "./log-view.js";
import { swapParts } from "./parts.js";
import { tickTimes } from "./timers.js";
import { errorMessage } from "../../../../../common/errors.js";

export function initBuildPage(idleMs: number): void {
  const box = document.getElementById("log");
  const id = box?.dataset.build;
  if (!box || !id) return;
  const log = new LogView(
    box,
    document.getElementById("log-follow") as HTMLButtonElement | null,
    document.getElementById("log-search") as HTMLInputElement | null,
    document.getElementById("log-count"),
  );
  let lastSeq = 0;
  let stream: EventSource | undefined;
  let retry: number | undefined;
  const base = encodeURIComponent(id);

  const source: LiveSource = {
    start() {
      const es = new EventSource(`${base}/events${lastSeq ? `?after=${lastSeq}` : ""}`);
      stream = es;
      es.addEventListener("open", () => live.setConnection("ok"));
      es.addEventListener("error", () => {
        live.setConnection("retrying");
        // EventSource retries a dropped connection itself, but gives up on an HTTP error.
        if (es.readyState === EventSource.CLOSED && stream === es) {
          stream = undefined;
          retry = window.setTimeout(() => live.isLive && !stream && source.start(), 5000);
        }
      });
      es.addEventListener("log", (e) => {
        const line = JSON.parse((e as MessageEvent<string>).data) as LogLine;
        if (line.seq <= lastSeq) return;
        lastSeq = line.seq;
        log.append(line);
      });
      es.addEventListener("parts", (e) => {
        const parts = JSON.parse((e as MessageEvent<string>).data) as Record<string, string>;
        const doc = new DOMParser().parseFromString(
          `<body>${Object.values(parts).join("")}</body>`,
          "text/html",
        );
        for (const part of swapParts(doc)) tickTimes(part);
      });
      es.addEventListener("end", () => {
        live.done();
        document.body.dataset.ended = "true";
      });
    },
    stop() {
      clearTimeout(retry);
      stream?.close();
      stream = undefined;
    },
  };
  const live = new LiveController(source, idleMs);
  // A page opened on an ended build replays the log once; the end event lets go.
  live.init();

  document.getElementById("build")?.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-action]");
    if (button) void act(button, base, live);
  });
}

async function act(button: HTMLButtonElement, base: string, live: LiveController): Promise<void> {
  const action = button.dataset.action === "cancel" ? "cancel" : "retry";
  const msg = button.parentElement?.querySelector<HTMLElement>(".action-msg");
  if (action === "cancel" && !confirm("Cancel this build? Its buildx process is killed.")) return;
  button.disabled = true;
  if (msg) msg.textContent = action === "cancel" ? "Cancelling…" : "Starting a new build…";
  try {
    // The stream reopens afterwards and brings the cancelled build's parts with it.
    const record = await live.without(() => postJson<{ id: string }>(`${base}/${action}`));
    if (action === "retry") location.href = encodeURIComponent(record.id);
  } catch (err) {
    button.disabled = false;
    if (msg) msg.textContent = errorMessage(err);
  }
}
