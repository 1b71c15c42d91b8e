// What the HTTP integration tests ask of a running builder, written once: a build's
// record, waiting for a build to end, and GitHub's webhook signature.
import { createHmac } from "node:crypto";
import { isTerminalStatus, type BuildRecord } from "../../common/build-record.js";
import { WEBHOOK_SECRET, type TestBuilder } from "./builder-server.js";
import { waitFor } from "./wait-for.js";

export async function fetchRecord(b: TestBuilder, id: string): Promise<BuildRecord> {
  const res = await fetch(`${b.url}/v1/builds/${encodeURIComponent(id)}`, { headers: b.read });
  if (res.status !== 200) throw new Error(`GET /v1/builds/${id} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as BuildRecord;
}

/** The record once the build ended (succeeded, failed, cancelled or interrupted). */
export function waitForEnd(b: TestBuilder, id: string, timeoutMs = 120_000): Promise<BuildRecord> {
  return waitFor(
    async () => {
      const r = await fetchRecord(b, id);
      return isTerminalStatus(r.status) ? r : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `build ${id} to end` },
  );
}

/** X-Hub-Signature-256 of a webhook body, as GitHub computes it. */
export function signGithub(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
