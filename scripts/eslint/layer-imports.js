// Dependencies point one way (../shared STYLE.md, "Shape"): http → jobs →
// buildx/source/smoke/registry/backup → process, with the composition roots (main.ts,
// runtime.ts, server.ts, commands/) above everything; `jobs` and below never import Hono;
// the trigger and the builder share only common/. Each import is resolved to the folder it
// lands in, so `../../http/x.js` from jobs/phases/ is caught like `../http/x.js` from jobs/.
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BUILDER = path.join(ROOT, "builder", "src");

const COMPOSITION = ["main", "runtime", "server", "commands"];
const LOWER = [
  "backup",
  "buildx",
  "cache",
  "config",
  "guards",
  "logging",
  "notify",
  "process",
  "registry",
  "smoke",
  "source",
  "store",
];
const HONO = /^(hono|@hono\/.*)(\/.*)?$/;

/**
 * What each layer may not import: folders (by layer name) and packages. `only` narrows an
 * allowed folder to some of its files: jobs/ (scheduling) reaches runner/ (running one
 * build) through runner/port.ts alone.
 */
const FORBIDDEN = {
  common: { layers: ["builder", "trigger"] },
  trigger: { layers: ["builder"] },
  http: { layers: [...COMPOSITION, "trigger"] },
  jobs: {
    layers: ["http", ...COMPOSITION, "trigger"],
    packages: HONO,
    only: { runner: [path.join(BUILDER, "runner", "port")] },
  },
  runner: { layers: ["http", "jobs", ...COMPOSITION, "trigger"], packages: HONO },
  ...Object.fromEntries(
    LOWER.map((name) => [
      name,
      { layers: ["http", "jobs", "runner", ...COMPOSITION, "trigger"], packages: HONO },
    ]),
  ),
};
// The bottom layer: process/ only ever imports common/.
FORBIDDEN.process = {
  layers: ["http", "jobs", "runner", ...COMPOSITION, "trigger", ...LOWER.filter((l) => l !== "process")],
  packages: HONO,
};

/** The layer of an absolute path: a builder/src folder (or root file), trigger, common. */
export function layerOf(file) {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === "common" || rel[0] === "trigger") return rel[0];
  if (rel[0] !== "builder") return undefined;
  if (rel[1] !== "src") return "builder";
  if (rel.length === 3) return rel[2].replace(/\.[cm]?tsx?$|\.[cm]?js$/, "");
  return rel[2];
}

const rule = {
  meta: {
    type: "problem",
    docs: { description: "Imports follow the builder's layering (STYLE.md)." },
    schema: [],
    messages: {
      layer:
        "{{from}} may not import {{to}} ({{source}}): dependencies point http → jobs → buildx/source/smoke/registry/backup → process (STYLE.md).",
      package: "{{from}} may not import {{source}}: only http/ speaks HTTP (STYLE.md).",
      seam: "{{from}} may import {{to}} only through its port ({{source}}): runner/port.ts is the one seam between scheduling and running a build.",
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    const forbidden = from ? FORBIDDEN[from] : undefined;
    if (!forbidden) return {};
    const check = (node) => {
      const source = node?.type === "Literal" && typeof node.value === "string" ? node.value : undefined;
      if (!source) return;
      if (!source.startsWith(".")) {
        if (forbidden.packages?.test(source))
          context.report({ node, messageId: "package", data: { from, source } });
        return;
      }
      const target = path.resolve(path.dirname(file), source);
      let to = layerOf(target);
      // Anything of the builder seen from outside it is the builder as a whole.
      if (to && (from === "common" || from === "trigger") && target.startsWith(BUILDER)) to = "builder";
      if (to && to !== from && forbidden.layers.includes(to))
        context.report({ node, messageId: "layer", data: { from, to, source } });
      const only = to ? forbidden.only?.[to] : undefined;
      if (only && !only.includes(target.replace(/\.[cm]?[jt]sx?$/, "")))
        context.report({ node, messageId: "seam", data: { from, to, source } });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default { rules: { "layer-imports": rule } };
