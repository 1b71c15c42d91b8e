// A build's page, live: the build's event stream (`<id>/events`, SSE) feeds the log, and
// each status, phase or end event re-renders the page's parts from the server (parts.ts),
// so status, phases, smoke results, digest and published tags follow the build with no
// reload. The stream is held only while the page is live (live.ts); when it resumes it
// asks for the lines after the last one shown. Cancel and retry use the API token the
// browser signed in with (the buttons are only rendered for it).
import type { LogLine } from "../../../../../common/build-record.js";
import { postJson } from "./http.js";
import { LiveController, type LiveSource } from "./live.js";
import { LogView } from "./log-view.js";
import { PartRefresher } from "./parts.js";
import { tickTimes } from "./timers.js";

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
  const parts = new PartRefresher((swapped) => swapped.forEach((p) => tickTimes(p)), showNote);
  let lastSeq = 0;
  let stream: EventSource | undefined;
  let retry: number | undefined;
  const base = encodeURIComponent(id);

  const source: LiveSource = {
    start() {
      stream = new EventSource(`${base}/events${lastSeq ? `?after=${lastSeq}` : ""}`);
      stream.addEventListener("open", () => live.setConnection("ok"));
      stream.addEventListener("error", () => {
        live.setConnection("retrying");
        // EventSource retries a dropped connection itself, but gives up on an HTTP error.
        if (stream?.readyState === EventSource.CLOSED) {
          stream = undefined;
          retry = window.setTimeout(() => live.isLive && source.start(), 5000);
        }
      });
      stream.addEventListener("log", (e) => {
        const line = JSON.parse((e as MessageEvent<string>).data) as LogLine;
        if (line.seq <= lastSeq) return;
        lastSeq = line.seq;
        log.append(line);
      });
      // Status and phase events say the record changed: render its parts again.
      stream.addEventListener("status", () => parts.refresh());
      stream.addEventListener("phase", () => parts.refresh());
      stream.addEventListener("end", () => {
        // Done first: stopping the stream cancels refreshes in flight, not this last one.
        live.done();
        parts.refresh();
        document.body.dataset.ended = "true";
      });
    },
    stop() {
      clearTimeout(retry);
      stream?.close();
      stream = undefined;
      parts.cancel();
    },
  };
  const live = new LiveController(source, idleMs);
  // A page opened on an ended build replays the log once; the end event lets go.
  live.init();

  document.getElementById("build")?.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-action]");
    if (button) void act(button, base, parts);
  });
}

async function act(button: HTMLButtonElement, base: string, parts: PartRefresher): Promise<void> {
  const action = button.dataset.action;
  const msg = button.parentElement?.querySelector<HTMLElement>(".action-msg");
  if (action === "cancel" && !confirm("Cancel this build? Its buildx process is killed.")) return;
  button.disabled = true;
  if (msg) msg.textContent = action === "cancel" ? "Cancelling…" : "Starting a new build…";
  try {
    const record = await postJson<{ id: string }>(`${base}/${action === "cancel" ? "cancel" : "retry"}`);
    if (action === "retry") location.href = encodeURIComponent(record.id);
    else parts.refresh();
  } catch (err) {
    button.disabled = false;
    if (msg) msg.textContent = (err as Error).message;
  }
}

function showNote(text: string): void {
  const note = document.getElementById("log-note");
  if (!note) return;
  note.textContent = text;
  note.hidden = false;
}
