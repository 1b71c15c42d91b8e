// docs/deploy.md runs as written: every shell block passes shellcheck, and the blocks
// marked `<!-- doc-test: run -->` are run here.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const doc = readFileSync(path.join(ROOT, "docs/deploy.md"), "utf8");
const tmp = mkdtempSync(path.join(tmpdir(), "docs-deploy-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const blocks = [...doc.matchAll(/(<!-- doc-test: run -->\n)?```sh\n([\s\S]*?)```/g)].map((m, i) => ({
  index: i,
  run: Boolean(m[1]),
  text: m[2]!,
}));

describe("docs/deploy.md", () => {
  it("has shell blocks, some safe to run here", () => {
    expect(blocks.length).toBeGreaterThan(8);
    expect(blocks.some((b) => b.run)).toBe(true);
  });

  it.each(blocks.map((b) => [b.index, b]))("shell block %i passes shellcheck", async (_i, b) => {
    const file = path.join(tmp, `block-${b.index}.sh`);
    writeFileSync(file, `#!/usr/bin/env bash\n${b.text}`);
    const r = await run(["shellcheck", "-S", "warning", "-s", "bash", file]);
    expect(r.stdout.join("\n")).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it.each(blocks.filter((b) => b.run).map((b) => [b.index, b]))(
    "shell block %i runs as written",
    async (_i, b) => {
      const r = await run(["bash", "-euo", "pipefail", "-c", b.text], {
        cwd: ROOT,
        env: { ...process.env, HOME: tmp },
      });
      expect(r.exitCode, r.stderr.join("\n")).toBe(0);
    },
  );

  it("never puts a secret on a command line: tokens come from files or stdin", () => {
    for (const b of blocks) {
      expect(b.text, `block ${b.index}`).not.toMatch(/(TOKEN|SECRET|PASSWORD)=["']?[A-Za-z0-9_]{8,}/);
      expect(b.text, `block ${b.index}`).not.toMatch(/ghp_|dc_[a-z0-9]/);
    }
  });

  it("starts with the first push of the builder image for linux/amd64", () => {
    expect(doc.indexOf("--platform linux/amd64 -f Dockerfile.builder")).toBeLessThan(doc.indexOf("## 2."));
  });
});
