// The targets overview: one card per configured target with its last build (status, age,
// digest, published tags), the trend of its recent builds (drawn by the script with uPlot
// from `data-trend`, a JSON attribute: data, never markup), its cache size and, with the
// API token, a rebuild button that opens the rebuild dialog.
import type { FC } from "hono/jsx";
import { describePublication } from "../../../../common/publication.js";
import { formatBytes, formatDuration, shortDigest, tagOf } from "./format.js";
import { Age, Mono, StatusBadge, buildHref, type PageContext } from "./layout.js";
import { describeTrend, type TargetSummary } from "./target-summary.js";

const TargetCard: FC<{ s: TargetSummary; ctx: PageContext }> = ({ s, ctx }) => {
  const { target, last, lastSucceeded } = s;
  const shown = last?.status === "succeeded" ? last : lastSucceeded;
  const publication = shown ? describePublication(shown) : undefined;
  const published = publication?.published ? publication.tags : [];
  const trend = describeTrend(s.trend);
  return (
    <article class="card target" data-target={target.name} aria-labelledby={`t-${target.name}`}>
      <header class="target-head">
        <h3 id={`t-${target.name}`}>{target.name}</h3>
        {last ? <StatusBadge status={last.status} /> : <span class="chip chip-muted">never built</span>}
      </header>
      <p class="muted trunc" title={target.image}>
        <Mono>{target.image}</Mono>
      </p>
      {last ? (
        <p class="target-last">
          <a href={buildHref(ctx.root, last.id)}>Last build</a> <Age iso={last.createdAt} now={ctx.now} />
          {last.durationMs !== null && last.durationMs !== undefined
            ? ` · ${formatDuration(last.durationMs)}`
            : ""}
          {last.error ? (
            <>
              {" · "}
              <span class="code-bad">{last.error.code}</span>
            </>
          ) : null}
        </p>
      ) : null}
      {shown?.digest ? (
        <div class="target-image">
          <span class="muted">{shown === last ? "Digest" : "Last good"}</span>{" "}
          <Mono title={shown.digest}>{shortDigest(shown.digest)}</Mono>
          {shown !== last ? (
            <>
              {" "}
              <Age iso={shown.createdAt} now={ctx.now} />
            </>
          ) : null}
          {published.length ? (
            <ul class="chips">
              {published.map((ref) => (
                <li>
                  <Mono class="chip" title={ref}>
                    {tagOf(ref)}
                  </Mono>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <div class="trend" data-trend={JSON.stringify(s.trend)} data-builds={`${ctx.root}builds/`}>
        <div class="trend-chart" aria-hidden="true"></div>
        <p class="trend-text muted">
          {trend
            ? `${s.trend.length} recent: ${trend.ok} ok${trend.bad ? `, ${trend.bad} not` : ""} · median ${formatDuration(trend.medianMs)}`
            : "No finished builds yet."}
        </p>
      </div>
      <footer class="target-foot">
        <span class="muted">
          Cache {s.cacheBytes === undefined ? "–" : formatBytes(s.cacheBytes)} · {target.sourceKind}
        </span>
        {ctx.access === "write" ? (
          <button
            type="button"
            class="btn btn-small"
            data-rebuild={target.name}
            data-git={String(target.sourceKind === "git")}
            data-tags={target.tags.join(" ")}
          >
            Rebuild
          </button>
        ) : null}
      </footer>
    </article>
  );
};

export const TargetsSection: FC<{ summaries: TargetSummary[]; ctx: PageContext; cacheBudget?: number }> = ({
  summaries,
  ctx,
  cacheBudget,
}) => {
  const total = summaries.reduce((n, s) => n + (s.cacheBytes ?? 0), 0);
  return (
    <section id="targets" data-part="" aria-labelledby="targets-h">
      <div class="section-head">
        <h2 id="targets-h">Targets</h2>
        <span class="muted">
          Cache {formatBytes(total)}
          {cacheBudget ? ` of ${formatBytes(cacheBudget)}` : ""}
        </span>
      </div>
      <div class="targets">
        {summaries.map((s) => (
          <TargetCard s={s} ctx={ctx} />
        ))}
      </div>
    </section>
  );
};

/** The rebuild form (API token only): ref for git targets, tags as in `submit --tag`. */
export const RebuildDialog: FC = () => (
  <dialog id="rebuild" aria-labelledby="rebuild-h">
    <form method="dialog" id="rebuild-form" class="stack">
      <h2 id="rebuild-h">
        Rebuild <span id="rebuild-target"></span>
      </h2>
      <label id="rebuild-ref-row">
        Ref <span class="muted">(branch, tag or commit; empty: the source's default)</span>
        <input name="ref" type="text" autocomplete="off" spellcheck={false} />
      </label>
      <label>
        Tags <span class="muted">(space-separated; empty: the target's own)</span>
        <input name="tags" type="text" autocomplete="off" spellcheck={false} />
      </label>
      <p class="callout callout-error" id="rebuild-error" role="alert" hidden></p>
      <div class="actions">
        <button type="submit" class="btn btn-primary" value="start">
          Start build
        </button>
        <button type="button" class="btn" id="rebuild-cancel">
          Close
        </button>
      </div>
    </form>
  </dialog>
);
