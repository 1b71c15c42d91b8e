// The console's script and stylesheet, built by `npm run build` (esbuild bundles
// client/main.ts with uPlot, and console.css with uPlot's css) into dist/console/. Read
// once, served with an ETag; the same files whether the builder runs from dist/ or, in
// tests, from source.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CONSOLE_ASSETS: Record<string, string> = {
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

interface Asset {
  body: Buffer;
  etag: string;
  type: string;
}

/** The package root, from where this module sits in it. */
function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // builder/src/http/console (source) or dist/builder/src/http/console (built)
  const up = here.endsWith(path.join("dist", "builder", "src", "http", "console")) ? 5 : 4;
  return path.resolve(here, ...Array<string>(up).fill(".."));
}

export function consoleAssetDir(): string {
  return path.join(packageRoot(), "dist", "console");
}

const cache = new Map<string, Promise<Asset>>();

/** The asset, or undefined for a name that is not one; throws when the build is missing. */
export function loadConsoleAsset(name: string): Promise<Asset> | undefined {
  const type = CONSOLE_ASSETS[name];
  if (!type) return undefined;
  let loading = cache.get(name);
  if (!loading) {
    loading = readFile(path.join(consoleAssetDir(), name)).then((body) => ({
      body,
      type,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
    }));
    // A missing build is reported on each request (and fixed by `npm run build`), not cached.
    loading.catch(() => cache.delete(name));
    cache.set(name, loading);
  }
  return loading;
}
