// The console's page frame and small shared components. Rendered with hono/jsx, which
// escapes every text and attribute value: nothing from a record or a log becomes markup.
// Links are relative (`root` is "" on `/` and "../" on `/builds/:id`) so the console works
// the same behind a path prefix (the Verda gateway serves the builder under one).
import type { Child, FC, PropsWithChildren } from "hono/jsx";
import type { BuildStatus } from "../../../../common/build-record.js";
import { formatAge, formatUtc } from "./format.js";

export type ConsoleAccess = "read" | "write";

export interface PageContext {
  /** Relative path from the page to the console root: "" or "../". */
  root: string;
  access: ConsoleAccess;
  /** Live updates pause after this long without input (visible "Resume"). */
  idleMs: number;
  now: Date;
}

export const Layout: FC<
  PropsWithChildren<{ title: string; page: "home" | "build" | "missing"; ctx: PageContext }>
> = ({ title, page, ctx, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width,initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="data:," />
      <title>{`${title} · comfyume-builder`}</title>
      <link rel="stylesheet" href={`${ctx.root}console/console.css`} />
      <script src={`${ctx.root}console/console.js`} defer></script>
    </head>
    <body data-page={page} data-access={ctx.access} data-idle-ms={String(ctx.idleMs)}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={ctx.root || "./"}>
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>
          comfyume-builder
        </a>
        <div class="live" id="live" data-state="static">
          <span class="live-dot" aria-hidden="true"></span>
          <span id="live-text" role="status" aria-live="polite">
            Loading
          </span>
          <button id="resume" class="btn btn-small" type="button" hidden>
            Resume live updates
          </button>
        </div>
        {ctx.access === "read" ? (
          <span class="chip chip-muted" title="Signed in with the read token: viewing only">
            read-only
          </span>
        ) : null}
      </header>
      <main id="main">{children}</main>
    </body>
  </html>
);

const STATUS_ICON: Record<string, string> = {
  queued: "◷",
  running: "●",
  succeeded: "✓",
  failed: "✕",
  cancelled: "⊘",
  interrupted: "!",
  pending: "○",
  skipped: "–",
};

export const StatusBadge: FC<{ status: BuildStatus | string; id?: string }> = ({ status, id }) => (
  <span class={`badge s-${status}`} id={id} data-status={status}>
    <span class="badge-icon" aria-hidden="true">
      {STATUS_ICON[status] ?? "•"}
    </span>
    {status}
  </span>
);

export function statusIcon(status: string): string {
  return STATUS_ICON[status] ?? "•";
}

/** A time as "5 min ago" (kept current by the script), the exact UTC time on hover. */
export const Age: FC<{ iso: string; now: Date }> = ({ iso, now }) => (
  <time datetime={iso} title={formatUtc(iso)} data-age="">
    {formatAge(now.getTime() - Date.parse(iso))}
  </time>
);

/** An exact time (UTC on the server, the viewer's local time once the script runs). */
export const Timestamp: FC<{ iso: string | null }> = ({ iso }) =>
  iso ? (
    <time datetime={iso} data-local="">
      {formatUtc(iso)}
    </time>
  ) : (
    <span class="muted">–</span>
  );

/** Long identifiers (digests, image refs) in monospace that wrap anywhere on a phone. */
export const Mono: FC<{ children: Child; title?: string; class?: string }> = ({
  children,
  title,
  class: cls,
}) => (
  <code class={`mono${cls ? ` ${cls}` : ""}`} title={title}>
    {children}
  </code>
);

export function buildHref(root: string, id: string): string {
  return `${root}builds/${encodeURIComponent(id)}`;
}
