// A build's page (SPEC §8): the live parts (build-panel.tsx) beside the log. The log is
// filled by the script from the build's event stream (`<id>/events`, under the page's own
// path so the browser sends its Basic credentials with it), one text node per line.
import type { FC } from "hono/jsx";
import type { BuildRecord } from "../../../../common/build-record.js";
import { BuildHead, FactsCard, ImageCard, PhasesCard, SmokeCard } from "./build-panel.js";
import { Layout, type PageContext } from "./layout.js";

const LogCard: FC<{ b: BuildRecord }> = ({ b }) => (
  <section class="card log-card" aria-labelledby="log-h">
    <div class="log-bar">
      <h2 id="log-h">Log</h2>
      <span class="log-count muted" id="log-count" aria-live="off"></span>
      <div class="log-tools">
        <label class="search">
          <span class="visually-hidden">Search the log</span>
          <input
            id="log-search"
            type="search"
            placeholder="Search log"
            autocomplete="off"
            spellcheck={false}
          />
        </label>
        <button
          id="log-follow"
          class="btn btn-small"
          type="button"
          aria-pressed="true"
          title="Keep the newest line in view"
        >
          Follow
        </button>
        <a
          class="btn btn-small"
          id="log-download"
          href={`${encodeURIComponent(b.id)}/log`}
          download={`${b.id}.log`}
        >
          Download
        </a>
      </div>
    </div>
    <div id="log" class="log" role="log" tabindex={0} aria-label="Build log" data-build={b.id}></div>
    <p class="log-note muted" id="log-note" hidden></p>
  </section>
);

export const BuildPage: FC<{ b: BuildRecord; ctx: PageContext }> = ({ b, ctx }) => (
  <Layout title={`Build ${b.id}`} page="build" ctx={ctx}>
    <nav class="crumbs" aria-label="Breadcrumb">
      <a href={ctx.root || "./"}>← All builds</a>
      <span aria-hidden="true"> / </span>
      <a href={`${ctx.root}?target=${encodeURIComponent(b.target)}`}>{b.target}</a>
    </nav>
    <div id="build" data-build={b.id}>
      <BuildHead b={b} ctx={ctx} />
      <div class="build-grid">
        <div class="build-side">
          <PhasesCard b={b} ctx={ctx} />
          <ImageCard b={b} ctx={ctx} />
          <SmokeCard b={b} ctx={ctx} />
          <FactsCard b={b} ctx={ctx} />
        </div>
        <LogCard b={b} />
      </div>
    </div>
  </Layout>
);

export const MissingPage: FC<{ id: string; ctx: PageContext }> = ({ id, ctx }) => (
  <Layout title="Not found" page="missing" ctx={ctx}>
    <div class="card empty">
      <h1>No build {id}</h1>
      <p>
        It may have been typed wrong. <a href={ctx.root || "./"}>See all builds</a>.
      </p>
    </div>
  </Layout>
);
