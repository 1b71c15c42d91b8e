// The builds list: filters (target, status, trigger), search (id, tag, ref, commit), one
// page of rows newest first with the error code of failed builds, and cursor paging. A
// plain GET form, so filtering works from the keyboard and the URL can be shared.
import type { FC } from "hono/jsx";
import { BUILD_STATUSES, TRIGGER_KINDS, type BuildRecord } from "../../../../common/build-record.js";
import { triggerText } from "./build-panel.js";
import { formatDuration, tagOf } from "./format.js";
import { Age, Mono, StatusBadge, buildHref, type PageContext } from "./layout.js";

export interface ListFilters {
  target?: string | undefined;
  status?: string | undefined;
  trigger?: string | undefined;
  q?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export function filterQuery(f: ListFilters, cursor?: string): string {
  const params = new URLSearchParams();
  for (const key of ["target", "status", "trigger", "q"] as const) if (f[key]) params.set(key, f[key]);
  if (f.limit) params.set("limit", String(f.limit));
  if (cursor) params.set("cursor", cursor);
  const text = params.toString();
  return text ? `?${text}` : "";
}

const Select: FC<{ name: string; label: string; value?: string | undefined; options: readonly string[] }> = (
  p,
) => (
  <label class="field">
    <span class="field-label">{p.label}</span>
    <select name={p.name}>
      <option value="">all</option>
      {p.options.map((o) => (
        <option value={o} selected={o === p.value}>
          {o}
        </option>
      ))}
    </select>
  </label>
);

export const FilterForm: FC<{
  f: ListFilters;
  targets: string[];
  ctx: PageContext;
  error?: string | undefined;
}> = ({ f, targets, ctx, error }) => (
  <form class="filters" method="get" action={ctx.root || "./"} role="search" aria-label="Filter builds">
    <Select name="target" label="Target" value={f.target} options={targets} />
    <Select name="status" label="Status" value={f.status} options={BUILD_STATUSES} />
    <Select name="trigger" label="Trigger" value={f.trigger} options={TRIGGER_KINDS} />
    <label class="field field-grow">
      <span class="field-label">Search</span>
      <input
        name="q"
        type="search"
        value={f.q ?? ""}
        placeholder="id, tag, ref or commit"
        spellcheck={false}
      />
    </label>
    <div class="field-buttons">
      <button type="submit" class="btn btn-primary">
        Filter
      </button>
      <a class="btn" href={ctx.root || "./"}>
        Clear
      </a>
    </div>
    {error ? (
      <p class="callout callout-error" role="alert">
        {error}
      </p>
    ) : null}
  </form>
);

function sourceCell(b: BuildRecord): string {
  const s = b.source;
  if (s.kind === "git") return `${s.ref}${s.commit ? ` @ ${s.commit.slice(0, 7)}` : ""}`;
  if (s.kind === "upload") return `upload ${s.sha256.slice(0, 7)}`;
  return s.commit ? `${s.name} @ ${s.commit.slice(0, 7)}` : s.name;
}

const Row: FC<{ b: BuildRecord; ctx: PageContext }> = ({ b, ctx }) => {
  const tags = b.tags.map(tagOf);
  return (
    <tr data-id={b.id} data-status={b.status}>
      <td data-label="Build">
        <a href={buildHref(ctx.root, b.id)} class="mono">
          {b.id}
        </a>
      </td>
      <td data-label="Status">
        <StatusBadge status={b.status} />
      </td>
      <td data-label="Target">{b.target}</td>
      <td data-label="Trigger">{triggerText(b)}</td>
      <td data-label="Source">
        <Mono class="wrap">{sourceCell(b)}</Mono>
      </td>
      <td data-label="Tags" title={b.tags.join("\n")}>
        {tags.length ? (
          <Mono class="wrap">
            {tags.length > 2 ? `${tags.slice(0, 2).join(", ")} +${tags.length - 2}` : tags.join(", ")}
          </Mono>
        ) : (
          <span class="muted">–</span>
        )}
      </td>
      <td data-label="Duration" class="num">
        {formatDuration(b.durationMs)}
      </td>
      <td data-label="Created">
        <Age iso={b.createdAt} now={ctx.now} />
      </td>
      <td data-label="Error">
        {b.error ? <span class="code-bad">{b.error.code}</span> : <span class="muted">–</span>}
      </td>
    </tr>
  );
};

export const BuildsTable: FC<{
  builds: BuildRecord[];
  nextCursor: string | null;
  f: ListFilters;
  ctx: PageContext;
}> = ({ builds, nextCursor, f, ctx }) => (
  <div id="builds-list" data-part="" data-first-page={String(!f.cursor)}>
    {builds.length ? (
      <table class="builds">
        <thead>
          <tr>
            <th scope="col">Build</th>
            <th scope="col">Status</th>
            <th scope="col">Target</th>
            <th scope="col">Trigger</th>
            <th scope="col">Source</th>
            <th scope="col">Tags</th>
            <th scope="col">Duration</th>
            <th scope="col">Created</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {builds.map((b) => (
            <Row b={b} ctx={ctx} />
          ))}
        </tbody>
      </table>
    ) : (
      <p class="card empty">
        {f.q || f.target || f.status || f.trigger ? "No build matches these filters." : "No builds yet."}
      </p>
    )}
    <nav class="pager" aria-label="Pages">
      {f.cursor ? <a href={`${ctx.root || "./"}${filterQuery(f)}`}>← Newest</a> : <span></span>}
      {nextCursor ? (
        <a href={`${ctx.root || "./"}${filterQuery(f, nextCursor)}`} rel="next">
          Older →
        </a>
      ) : null}
    </nav>
  </div>
);
