// main.ts sets V8's --liftoff-only at run time (undici's WASM parser is then never
// recompiled by TurboFan, ~35 MiB of peak RSS). V8 prints "unrecognized flag" for a flag
// it no longer has; this pins that the Node running the tests still knows this one.
import { describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";

const setFlag = (flag: string) =>
  run([process.execPath, "-e", `require("node:v8").setFlagsFromString(${JSON.stringify(flag)})`]);

describe("the V8 flag main.ts sets", () => {
  it("is accepted silently by this Node", async () => {
    const r = await setFlag("--liftoff-only");
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toEqual([]);
  });

  it("would be reported if V8 dropped it (the check above can fail)", async () => {
    const r = await setFlag("--no-such-flag-for-comfyume");
    expect(r.stderr.join("\n")).toMatch(/unrecognized flag/);
  });
});
