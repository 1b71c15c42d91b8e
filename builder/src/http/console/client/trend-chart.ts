// The targets' trend charts: recent build durations as bars, coloured by outcome, drawn
// with uPlot (bundled, not from a CDN) from each card's `data-trend` JSON. Hovering a bar
// names the build; clicking it opens the build. The text beside the chart says the same
// for screen readers and for anyone who does not read charts.
import uPlot from "uplot";
import { formatDuration } from "../format.js";

interface TrendPoint {
  id: string;
  status: string;
  seconds: number;
}

/** Drawn charts by their holder; those whose card was swapped out are destroyed. */
const charts = new Map<Element, { u: uPlot; resize: ResizeObserver }>();

function colour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export function drawTrends(root: ParentNode): void {
  for (const [holder, chart] of charts) {
    if (holder.isConnected) continue;
    chart.resize.disconnect();
    chart.u.destroy();
    charts.delete(holder);
  }
  for (const box of Array.from(root.querySelectorAll<HTMLElement>(".trend[data-trend]"))) {
    const holder = box.querySelector<HTMLElement>(".trend-chart");
    if (!holder || charts.has(holder)) continue;
    let points: TrendPoint[];
    try {
      points = JSON.parse(box.dataset.trend ?? "[]") as TrendPoint[];
    } catch {
      continue; // not drawn; the text beside it still says what it would show
    }
    if (!points.length) continue;
    charts.set(holder, draw(holder, box, points));
  }
}

function draw(
  holder: HTMLElement,
  box: HTMLElement,
  points: TrendPoint[],
): { u: uPlot; resize: ResizeObserver } {
  const xs = points.map((_, i) => i);
  const only = (pred: (p: TrendPoint) => boolean) => points.map((p) => (pred(p) ? p.seconds : null));
  const ok = colour("--ok", "#1a7f37");
  const bad = colour("--bad", "#cf222e");
  const other = colour("--muted", "#6e7781");
  const axis = colour("--muted", "#6e7781");
  const grid = colour("--line", "#d0d7de");
  const bars = uPlot.paths.bars!({ size: [0.7, 18, 2] });
  const series = (label: string, stroke: string): uPlot.Series => ({
    label,
    stroke,
    fill: stroke,
    paths: bars,
    points: { show: false },
  });
  const hover = box.querySelector<HTMLElement>(".trend-text");
  const summary = hover?.textContent ?? "";
  const u = new uPlot(
    {
      width: Math.max(120, holder.clientWidth),
      height: 72,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false, setScale: false }, y: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: false, range: [-0.6, Math.max(points.length, 8) - 0.4] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
      },
      axes: [
        { show: false },
        {
          size: 44,
          gap: 2,
          stroke: axis,
          font: "11px system-ui, sans-serif",
          ticks: { show: false },
          grid: { stroke: grid, width: 1 },
          splits: (_u, _i, _min, max) => [0, max / 2, max],
          values: (_u, vals) => vals.map((v) => (v === 0 ? "" : formatDuration(v * 1000))),
        },
      ],
      series: [{}, series("succeeded", ok), series("failed", bad), series("other", other)],
      hooks: {
        setCursor: [
          (chart) => {
            const p =
              chart.cursor.idx === null || chart.cursor.idx === undefined
                ? undefined
                : points[chart.cursor.idx];
            if (hover)
              hover.textContent = p ? `${p.id} · ${p.status} · ${formatDuration(p.seconds * 1000)}` : summary;
          },
        ],
      },
    },
    [
      xs,
      only((p) => p.status === "succeeded"),
      only((p) => p.status === "failed"),
      only((p) => p.status !== "succeeded" && p.status !== "failed"),
    ],
    holder,
  );
  u.over.addEventListener("click", () => {
    const p = u.cursor.idx === null || u.cursor.idx === undefined ? undefined : points[u.cursor.idx];
    if (p && box.dataset.builds) location.href = box.dataset.builds + encodeURIComponent(p.id);
  });
  const resize = new ResizeObserver(() =>
    u.setSize({ width: Math.max(120, holder.clientWidth), height: 72 }),
  );
  resize.observe(holder);
  return { u, resize };
}
