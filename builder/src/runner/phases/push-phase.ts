// push: buildx pushed the image by digest during the build (no tag moved); here the
// registry is asked for that digest and must have it. Tags move later, in the tag phase.
import { RegistryClient } from "../../registry/client.js";
import type { BuildContext } from "./context.js";
import { PhaseFailure } from "./phase-failure.js";
import { resolveRegistryCredentials } from "./secrets.js";
import { errorMessage } from "../../../../common/errors.js";
import { recordOutputs } from "../../store/record-lifecycle.js";

export function createRegistryClient(ctx: BuildContext): RegistryClient {
  const creds = new Map(resolveRegistryCredentials(ctx.deps).map((c) => [c.host, c]));
  return new RegistryClient({
    credentials: (host) => creds.get(host),
    onRetry: (e) =>
      ctx.sink.log(
        "system",
        `registry: attempt ${e.attempt} failed (${e.reason}); retrying in ${e.delayMs} ms`,
      ),
  });
}

export async function runPushPhase(ctx: BuildContext): Promise<string | void> {
  if (!ctx.record.push) return "push disabled for this build";
  const digest = ctx.record.digest;
  if (!digest) throw new PhaseFailure("PUSH_FAILED", "buildx reported no digest for the pushed image");
  const ref = `${ctx.target.image}@${digest}`;
  // The manifest bytes (their sha256 checked against the digest) are what the tag phase puts under each tag.
  const manifest = await createRegistryClient(ctx)
    .getManifest(ref, { signal: ctx.signal })
    .catch((err: unknown) => {
      if (ctx.signal.aborted) throw err;
      throw new PhaseFailure("PUSH_FAILED", `could not confirm ${ref} was pushed: ${errorMessage(err)}`);
    });
  ctx.pushedManifest = { bytes: manifest.bytes, mediaType: manifest.mediaType };
  ctx.record = await ctx.sink.update((r) => recordOutputs(r, { pushed: [{ ref, digest: manifest.digest }] }));
  ctx.sink.log("system", `pushed ${ref} (by digest; no tag has moved yet)`);
}
