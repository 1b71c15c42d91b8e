import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveBuildContexts } from "../../../builder/src/runner/phases/build-phase.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "contexts-"));
  await mkdir(path.join(root, "models"));
  await symlink("/etc", path.join(root, "escape"));
  await symlink("models", path.join(root, "inside-link"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("resolveBuildContexts", () => {
  it("passes URLs through and resolves paths inside the source root", async () => {
    const out = await resolveBuildContexts(
      { base: "docker-image://127.0.0.1:5000/x:1", models: "models", linked: "inside-link" },
      root,
    );
    expect(out).toEqual({
      base: "docker-image://127.0.0.1:5000/x:1",
      models: path.join(root, "models"),
      linked: path.join(root, "models"),
    });
  });

  it.each([
    [{ up: "../x" }, "escapes the source root"],
    [{ abs: "/etc" }, "escapes the source root"],
    [{ link: "escape" }, "escapes the source root"],
    [{ link: "escape/ssl" }, "escapes the source root"],
    [{ missing: "nope" }, "does not exist in the source"],
  ])("refuses %j", async (contexts, message) => {
    await expect(resolveBuildContexts(contexts, root)).rejects.toThrow(message);
  });
});
