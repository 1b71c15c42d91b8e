// The console's front page (`GET /`): targets overview, then the builds list.
import type { FC } from "hono/jsx";
import type { BuildRecord } from "../../../../common/build-record.js";
import { BuildsTable, FilterForm, type ListFilters } from "./builds-view.js";
import { Layout, type PageContext } from "./layout.js";
import type { TargetSummary } from "./target-summary.js";
import { RebuildDialog, TargetsSection } from "./targets-view.js";

export interface HomeProps {
  ctx: PageContext;
  summaries: TargetSummary[];
  cacheBudget?: number | undefined;
  builds: BuildRecord[];
  nextCursor: string | null;
  filters: ListFilters;
  filterError?: string | undefined;
}

export const HomePage: FC<HomeProps> = (p) => (
  <Layout title="Builds" page="home" ctx={p.ctx}>
    <TargetsSection summaries={p.summaries} ctx={p.ctx} cacheBudget={p.cacheBudget} />
    <section id="builds" aria-labelledby="builds-h">
      <div class="section-head">
        <h2 id="builds-h">Builds</h2>
      </div>
      <FilterForm
        f={p.filters}
        targets={p.summaries.map((s) => s.target.name)}
        ctx={p.ctx}
        error={p.filterError}
      />
      <BuildsTable builds={p.builds} nextCursor={p.nextCursor} f={p.filters} ctx={p.ctx} />
    </section>
    {p.ctx.access === "write" ? <RebuildDialog /> : null}
  </Layout>
);
