// Integration tests run against the real stack. The test command (scripts/test.sh)
// starts it; this makes sure it is up (start.sh is idempotent and fast when it is)
// and fails with a message that says how to fix it when it cannot be started.
import { execFileSync } from "node:child_process";
import path from "node:path";

export default function setup(): void {
  const script = path.resolve("scripts/stack/start.sh");
  try {
    execFileSync("bash", [script], { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
  } catch (err) {
    throw new Error(
      `the real test stack (dockerd + buildx, registries) could not be started: ${(err as Error).message}\n` +
        "Fix: run `bash scripts/stack/install-packages.sh && bash scripts/stack/start.sh` as root and read its output.",
    );
  }
}
