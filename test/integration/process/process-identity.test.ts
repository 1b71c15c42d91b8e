// Crash sweeps tell a dead owner from a live one by host, pid namespace, pid and start time.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import {
  resolveOwnerState,
  resolveSelfIdentity,
  type ProcessIdentity,
} from "../../../builder/src/process/process-identity.js";

async function identityOf(pid: number): Promise<ProcessIdentity> {
  const self = await resolveSelfIdentity();
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return { ...self, pid, startTicks: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]! };
}

describe("resolveOwnerState", () => {
  it("knows itself, a live process, a dead one, a reused pid, and cannot judge another host", async () => {
    const self = await resolveSelfIdentity();
    expect(self.host).toBe(hostname());
    expect(self.pidNamespace).toMatch(/^pid:\[\d+\]$/);
    expect(await resolveOwnerState(self)).toBe("self");
    const child = spawn("sleep", ["30"]);
    const exited = new Promise((r) => child.once("exit", r));
    const owner = await identityOf(child.pid!);
    expect(await resolveOwnerState(owner)).toBe("alive");
    // The same pid started at another time is another process: the owner is gone.
    expect(await resolveOwnerState({ ...owner, startTicks: "1" })).toBe("gone");
    child.kill("SIGKILL");
    await exited;
    expect(await resolveOwnerState(owner)).toBe("gone");
    expect(await resolveOwnerState({ ...owner, host: "another-host" })).toBe("unknown");
    expect(await resolveOwnerState({ ...owner, pidNamespace: "pid:[1]" })).toBe("unknown");
    expect(await resolveOwnerState(undefined)).toBe("unknown");
  });
});
