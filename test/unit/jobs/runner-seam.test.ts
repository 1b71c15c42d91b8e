// The seam between scheduling (jobs/) and running one build (runner/) is one file,
// runner/port.ts: jobs/ reaches runner/ only through it, and runner/ never imports jobs/.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../builder/src");

async function importsOf(folder: string): Promise<{ file: string; target: string }[]> {
  const out: { file: string; target: string }[] = [];
  for (const entry of await readdir(path.join(SRC, folder), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = await readFile(file, "utf8");
    for (const m of text.matchAll(/\bfrom\s+"(\.[^"]+)"|\bimport\(\s*"(\.[^"]+)"\s*\)/g)) {
      const target = path.relative(SRC, path.resolve(path.dirname(file), m[1] ?? m[2]!));
      out.push({ file: path.relative(SRC, file), target });
    }
  }
  return out;
}

describe("the jobs/ ↔ runner/ seam", () => {
  it("runner/ imports nothing from jobs/", async () => {
    const imports = await importsOf("runner");
    expect(imports.length).toBeGreaterThan(10);
    expect(imports.filter((i) => i.target.startsWith("jobs/"))).toEqual([]);
  });

  it("jobs/ imports from runner/ only its port", async () => {
    const intoRunner = (await importsOf("jobs")).filter((i) => i.target.startsWith("runner/"));
    expect(intoRunner.length).toBeGreaterThan(0);
    expect(intoRunner.filter((i) => i.target !== "runner/port.js")).toEqual([]);
  });
});
