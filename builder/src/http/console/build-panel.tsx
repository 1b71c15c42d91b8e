// A build's page parts that change while it runs: the head (status, actions), the error,
// phases with timers, image (digest, published tags), smoke results and the facts. Each
// part has an id and `data-part`; the script re-fetches the page when a stream event says
// something changed and swaps these parts in, so there is one renderer for first paint
// and for every live update. Elements with `data-since` are timers the script ticks.
import type { FC } from "hono/jsx";
import type { BuildRecord, Phase } from "../../../../common/build-record.js";
import { isTerminalStatus } from "../../../../common/build-record.js";
import { describePublication } from "../../../../common/publication.js";
import { formatBytes, formatDuration, formatElapsed, tagOf } from "./format.js";
import { Age, Mono, StatusBadge, Timestamp, buildHref, statusIcon, type PageContext } from "./layout.js";

type Props = { b: BuildRecord; ctx: PageContext };

/** A running timer from `since`, or the fixed duration once there is one. */
const Timer: FC<{ since: string | null; ms: number | null | undefined; now: Date }> = ({ since, ms, now }) =>
  ms === null || ms === undefined ? (
    since ? (
      <span class="timer" data-since={since}>
        {formatElapsed(now.getTime() - Date.parse(since))}
      </span>
    ) : (
      <span class="muted">–</span>
    )
  ) : (
    <span>{formatDuration(ms)}</span>
  );

export const BuildHead: FC<Props> = ({ b, ctx }) => {
  const ended = isTerminalStatus(b.status);
  return (
    <div class="build-head" id="build-head" data-part="" data-status={b.status} data-ended={String(ended)}>
      <div class="build-title">
        <h1>
          <span class="muted">Build</span> <Mono>{b.id}</Mono>
        </h1>
        <StatusBadge status={b.status} id="status" />
      </div>
      <p class="build-sub">
        <strong>{b.target}</strong> · {triggerText(b)} · attempt {b.attempt} · created{" "}
        <Age iso={b.createdAt} now={ctx.now} />
        {b.startedAt ? (
          <>
            {" "}
            · {ended ? "took " : "running for "}
            <Timer since={b.startedAt} ms={ended ? (b.durationMs ?? null) : null} now={ctx.now} />
          </>
        ) : null}
      </p>
      {ctx.access === "write" ? (
        <div class="actions">
          {ended ? null : (
            <button type="button" class="btn btn-danger" data-action="cancel" data-id={b.id}>
              Cancel build
            </button>
          )}
          {ended ? (
            <button type="button" class="btn btn-primary" data-action="retry" data-id={b.id}>
              Retry
            </button>
          ) : null}
          <span class="action-msg" role="status" aria-live="polite"></span>
        </div>
      ) : null}
      {b.error ? (
        <div class="callout callout-error" role="alert" id="error">
          <strong>{b.error.code}</strong> <span>{b.error.message}</span>
        </div>
      ) : null}
    </div>
  );
};

export function triggerText(b: BuildRecord): string {
  switch (b.trigger.kind) {
    case "retry":
      return `retry of ${b.trigger.of}`;
    case "webhook":
      return b.trigger.ref ? `webhook (${b.trigger.ref})` : "webhook";
    case "api":
      return b.trigger.by ? `api (${b.trigger.by})` : "api";
    default:
      return b.trigger.kind;
  }
}

const PhaseRow: FC<{ p: Phase; now: Date }> = ({ p, now }) => (
  <li class={`phase ph-${p.status}`} data-phase={p.name} data-phase-status={p.status}>
    <span class="phase-icon" aria-hidden="true">
      {statusIcon(p.status)}
    </span>
    <span class="phase-name">{p.name}</span>
    <span class="phase-status">{p.status}</span>
    <span class="phase-time">
      {p.status === "pending" ? "" : <Timer since={p.startedAt} ms={p.durationMs} now={now} />}
    </span>
    {p.message && p.status !== "failed" ? <span class="phase-msg">{p.message}</span> : null}
  </li>
);

export const PhasesCard: FC<Props> = ({ b, ctx }) => (
  <section class="card" id="phases" data-part="" aria-labelledby="phases-h">
    <h2 id="phases-h">Phases</h2>
    {b.phases.length ? (
      <ol class="phases">
        {b.phases.map((p) => (
          <PhaseRow p={p} now={ctx.now} />
        ))}
      </ol>
    ) : (
      <p class="muted">No phases yet.</p>
    )}
  </section>
);

export const ImageCard: FC<Props> = ({ b }) => {
  const publication = describePublication(b);
  return (
    <section class="card" id="image" data-part="" aria-labelledby="image-h">
      <h2 id="image-h">Image</h2>
      <dl class="facts">
        <dt>Digest</dt>
        <dd id="digest">
          {b.digest ? <Mono class="wrap">{b.digest}</Mono> : <span class="muted">not built yet</span>}
        </dd>
        <dt>Published</dt>
        <dd id="published">
          {publication.published ? (
            <ul class="chips">
              {publication.tags.map((ref) => (
                <li>
                  <Mono class="chip" title={`${ref} → ${publication.digest}`}>
                    {tagOf(ref)}
                  </Mono>
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">not published: {publication.reason}</span>
          )}
        </dd>
        <dt>Tags</dt>
        <dd>
          {b.tags.length ? (
            <ul class="plain">
              {b.tags.map((t) => (
                <li>
                  <Mono class="wrap">{t}</Mono>
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Push</dt>
        <dd>{b.push ? "yes" : "no (built only)"}</dd>
        {b.backup ? (
          <>
            <dt>Backup</dt>
            <dd>
              <Mono class="wrap">{b.backup.key}</Mono> ({formatBytes(b.backup.bytes)})
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
};

export const SmokeCard: FC<Props> = ({ b }) => (
  <section class="card" id="smoke" data-part="" aria-labelledby="smoke-h">
    <h2 id="smoke-h">
      Smoke tests
      {b.smoke ? (
        <span class={`count ${b.smoke.failed ? "count-bad" : "count-good"}`}>
          {b.smoke.passed} passed, {b.smoke.failed} failed
        </span>
      ) : null}
    </h2>
    {b.smoke ? (
      <ul class="smoke">
        {b.smoke.results.map((r) => (
          <li class={r.passed ? "ok" : "bad"} data-smoke={r.passed ? "passed" : "failed"}>
            <span class="phase-icon" aria-hidden="true">
              {r.passed ? "✓" : "✕"}
            </span>
            <span class="smoke-name">{r.name}</span>
            <span class="phase-time">{formatDuration(r.durationMs)}</span>
            {!r.passed && r.message ? <span class="phase-msg">{r.message}</span> : null}
            {r.output ? (
              <details class="smoke-out">
                <summary>output</summary>
                <pre>{r.output}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ul>
    ) : (
      <p class="muted">
        {b.params.smoke ? "No results yet." : "Smoke tests were turned off for this build."}
      </p>
    )}
  </section>
);

function sourceText(b: BuildRecord): { label: string; commit?: string } {
  const s = b.source;
  if (s.kind === "git")
    return { label: `git ${s.name} @ ${s.ref}`, ...(s.commit ? { commit: s.commit } : {}) };
  if (s.kind === "upload")
    return { label: `upload sha256:${s.sha256.slice(0, 12)} (${formatBytes(s.bytes)})` };
  return { label: `path ${s.dir ?? s.name}`, ...(s.commit ? { commit: s.commit } : {}) };
}

export const FactsCard: FC<Props> = ({ b, ctx }) => {
  const src = sourceText(b);
  const args = Object.entries(b.params.buildArgs);
  return (
    <section class="card" id="facts" data-part="" aria-labelledby="facts-h">
      <h2 id="facts-h">Details</h2>
      <dl class="facts">
        <dt>Source</dt>
        <dd>
          <span class="wrap">{src.label}</span>
          {src.commit ? (
            <>
              {" "}
              <Mono title={src.commit}>{src.commit.slice(0, 12)}</Mono>
            </>
          ) : null}
        </dd>
        <dt>Trigger</dt>
        <dd>
          {b.trigger.kind === "retry" ? (
            <>
              retry of <a href={buildHref(ctx.root, b.trigger.of)}>{b.trigger.of}</a>
            </>
          ) : (
            triggerText(b)
          )}
        </dd>
        <dt>Platforms</dt>
        <dd>{b.platforms.join(", ")}</dd>
        <dt>Build args</dt>
        <dd>
          {args.length ? (
            <ul class="plain">
              {args.map(([k, v]) => (
                <li>
                  <Mono class="wrap">{`${k}=${v}`}</Mono>
                </li>
              ))}
            </ul>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Options</dt>
        <dd>
          {[b.params.smoke ? "smoke" : "no smoke", b.params.noCache ? "no cache" : "cache"].join(" · ")}
          {b.cache ? ` · ${b.cache.cachedSteps}/${b.cache.totalSteps} steps cached` : ""}
        </dd>
        <dt>Created</dt>
        <dd>
          <Timestamp iso={b.createdAt} />
        </dd>
        <dt>Started</dt>
        <dd>
          <Timestamp iso={b.startedAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Timestamp iso={b.finishedAt} />
        </dd>
      </dl>
    </section>
  );
};
