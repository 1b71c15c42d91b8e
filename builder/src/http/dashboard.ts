// The dashboard (SPEC §4 GET /): two small server-rendered pages plus a little vanilla JS.
// Every value from a record is escaped on the server, and the script only ever sets
// textContent, so a hostile tag, ref or log line cannot become markup.
import type { BuildRecord } from "../../../common/build-record.js";
import { formatPublication } from "../../../common/publication.js";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

export function escapeHtml(value: unknown): string {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function triggerText(b: BuildRecord): string {
  return b.trigger.kind === "retry" ? `retry of ${b.trigger.of}` : b.trigger.kind;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}code{font-size:12px}
.s-succeeded{color:#176f2c}.s-failed,.s-interrupted{color:#b00020}.s-running{color:#0b5cad}.s-cancelled{color:#777}
#log{background:#111;color:#ddd;padding:.5rem;max-height:60vh;overflow:auto;white-space:pre-wrap;font:12px monospace}`;

function page(title: string, body: string, script = ""): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body>${body}${script ? `<script>${script}</script>` : ""}</body></html>`;
}

function buildRow(b: BuildRecord): string {
  const href = `/builds/${encodeURIComponent(b.id)}`;
  return `<tr data-id="${escapeHtml(b.id)}"><td><a href="${escapeHtml(href)}">${escapeHtml(b.id)}</a></td>
<td class="s-${escapeHtml(b.status)}">${escapeHtml(b.status)}</td><td>${escapeHtml(b.target)}</td>
<td>${escapeHtml(triggerText(b))}</td><td>${b.tags.map((t) => `<code>${escapeHtml(t)}</code>`).join("<br>")}</td>
<td><code>${escapeHtml(b.digest ?? "")}</code></td><td>${escapeHtml(formatMs(b.durationMs))}</td>
<td>${escapeHtml(b.createdAt)}</td></tr>`;
}

// Reloads the list every 5 s while the tab is visible; the page is small and rendered server-side.
const LIST_SCRIPT = `setInterval(function(){if(!document.hidden)location.reload()},5000);`;

export function renderBuildList(builds: BuildRecord[]): string {
  const rows = builds.map(buildRow).join("\n");
  return page(
    "comfyume-builder",
    `<h1>comfyume-builder</h1><table id="builds"><thead><tr><th>build</th><th>status</th><th>target</th>
<th>trigger</th><th>tags</th><th>digest</th><th>duration</th><th>created</th></tr></thead>
<tbody>${rows || `<tr><td colspan="8">No builds yet.</td></tr>`}</tbody></table>`,
    LIST_SCRIPT,
  );
}

function phasesTable(b: BuildRecord): string {
  const rows = b.phases
    .map(
      (
        p,
      ) => `<tr><td>${escapeHtml(p.name)}</td><td class="s-${escapeHtml(p.status)}">${escapeHtml(p.status)}</td>
<td>${escapeHtml(formatMs(p.durationMs))}</td><td>${escapeHtml(p.message ?? "")}</td></tr>`,
    )
    .join("");
  return `<h2>Phases</h2><table id="phases"><tbody>${rows}</tbody></table>`;
}

function smokeTable(b: BuildRecord): string {
  if (!b.smoke) return "";
  const rows = b.smoke.results
    .map(
      (
        r,
      ) => `<tr><td>${escapeHtml(r.name)}</td><td class="s-${r.passed ? "succeeded" : "failed"}">${r.passed ? "passed" : "failed"}</td>
<td>${escapeHtml(formatMs(r.durationMs))}</td><td>${escapeHtml(r.message ?? "")}</td></tr>`,
    )
    .join("");
  return `<h2>Smoke tests: ${b.smoke.passed} passed, ${b.smoke.failed} failed</h2><table id="smoke"><tbody>${rows}</tbody></table>`;
}

// The live log: EventSource replays from the start and resumes with Last-Event-ID on
// reconnect; lines are appended as text nodes, never parsed as HTML. It reads
// /builds/:id/events (beside the page) so the browser's Basic credentials go with it.
const BUILD_SCRIPT = `(function(){var id=document.body.dataset.build,log=document.getElementById("log"),
st=document.getElementById("status");var es=new EventSource("/builds/"+encodeURIComponent(id)+"/events");
es.addEventListener("log",function(e){var d=JSON.parse(e.data);log.appendChild(document.createTextNode(d.line+"\\n"));
log.scrollTop=log.scrollHeight;});es.addEventListener("status",function(e){st.textContent=JSON.parse(e.data).status;});
es.addEventListener("end",function(e){var b=JSON.parse(e.data);st.textContent=b.status;es.close();
document.body.dataset.ended="true";});})();`;

export function renderBuildPage(b: BuildRecord): string {
  const err = b.error
    ? `<p class="s-failed">${escapeHtml(b.error.code)}: ${escapeHtml(b.error.message)}</p>`
    : "";
  const body = `<p><a href="/">all builds</a></p><h1>Build ${escapeHtml(b.id)}</h1>
<p>status: <strong id="status" class="s-${escapeHtml(b.status)}">${escapeHtml(b.status)}</strong> · target ${escapeHtml(b.target)}
· trigger ${escapeHtml(triggerText(b))} · attempt ${escapeHtml(b.attempt)}</p>${err}
<p>tags: ${b.tags.map((t) => `<code>${escapeHtml(t)}</code>`).join(" ")}<br>digest: <code>${escapeHtml(b.digest ?? "")}</code>
<br><span id="publication">${escapeHtml(formatPublication(b))}</span></p>
${phasesTable(b)}${smokeTable(b)}<h2>Log</h2><pre id="log"></pre>`;
  return page(`build ${b.id}`, body, BUILD_SCRIPT).replace(
    "<body>",
    `<body data-build="${escapeHtml(b.id)}">`,
  );
}
