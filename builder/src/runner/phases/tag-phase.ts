// tag (publish): only reached when the smoke phase passed or was skipped on purpose (a
// failed smoke test ends the build before this phase), so a broken image never moves a
// tag. Every requested tag gets the exact manifest bytes of the pushed digest and is
// read back; `published` on the record lists them.
import { PublishError, publishTags } from "../../registry/publish-tags.js";
import type { BuildContext } from "./context.js";
import { PhaseFailure } from "./phase-failure.js";
import { createRegistryClient } from "./push-phase.js";
import { recordOutputs } from "../../store/record-lifecycle.js";

export async function runTagPhase(ctx: BuildContext): Promise<string | void> {
  const { record, target } = ctx;
  if (!record.push) return "push disabled for this build: nothing to tag";
  if (!record.digest) throw new PhaseFailure("PUSH_FAILED", "there is no pushed digest to tag");
  if (record.tags.length === 0) return "no tags were requested";
  const started = performance.now();
  try {
    const published = await publishTags(createRegistryClient(ctx), target.image, record.digest, record.tags, {
      signal: ctx.signal,
      ...(ctx.pushedManifest ? { manifest: ctx.pushedManifest } : {}),
    });
    ctx.record = await ctx.sink.update((r) => recordOutputs(r, { published }));
  } catch (err) {
    if (err instanceof PublishError && err.moved.length > 0) {
      const moved = err.moved;
      ctx.record = await ctx.sink.update((r) => recordOutputs(r, { published: moved }));
    }
    throw err;
  }
  const ms = performance.now() - started;
  ctx.sink.log(
    "system",
    `published ${record.tags.join(", ")} -> ${record.digest} (${ms.toFixed(0)} ms, ${(ms / record.tags.length).toFixed(0)} ms per tag)`,
  );
}
