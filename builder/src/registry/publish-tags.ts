// Publishing: point each requested tag at an image that is already in the registry by
// digest. The manifest (or index) is read once by digest and its exact bytes are put
// under every tag, so the digest cannot change; then each tag is read back and must
// name that digest. Nothing is built or uploaded here: the blobs are already there.
import type { ErrorCode } from "../../../common/build-record.js";
import type { RegistryClient, RequestOptions } from "./client.js";
import { formatImageRef, parseImageRef } from "./image-ref.js";
import { verifyPushed, type PushedTag } from "./verify-push.js";
import { errorMessage, asError } from "../../../common/errors.js";

export class PublishError extends Error {
  readonly code: ErrorCode = "PUSH_FAILED";
  constructor(
    message: string,
    /** Tags that did move to the digest before the failure (the record lists them). */
    readonly moved: PushedTag[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PublishError";
  }
}

/**
 * Puts the manifest `image@digest` under every ref in `tags` (full references in the
 * same repository) and confirms each. Throws PublishError naming the tag and the
 * registry's reason; `moved` says which tags already point at the digest.
 */
export async function publishTags(
  client: RegistryClient,
  image: string,
  digest: string,
  tags: readonly string[],
  opts: RequestOptions & {
    /** The manifest already read by digest (the push phase has it): saves one request. */
    manifest?: { bytes: Buffer; mediaType: string };
  } = {},
): Promise<PushedTag[]> {
  const source = parseImageRef(`${image}@${digest}`);
  const refs = tags.map((tag) => {
    const ref = parseImageRef(tag);
    if (ref.registry !== source.registry || ref.repository !== source.repository || !ref.tag) {
      throw new PublishError(
        `tag ${JSON.stringify(tag)} is not a tag of ${image}; only tags of the pushed repository can be published`,
        [],
      );
    }
    return ref;
  });
  const manifest = await (
    opts.manifest ? Promise.resolve(opts.manifest) : client.getManifest(source, opts)
  ).catch((err: unknown) => {
    throw new PublishError(
      `could not read the pushed ${formatImageRef(source)} back to tag it: ${errorMessage(err)}`,
      [],
      { cause: err },
    );
  });
  // Independent requests: on a distant registry the tags cost one round trip, not one each.
  const outcomes = await Promise.allSettled(
    refs.map(async (ref) => {
      await client.putManifest(ref, manifest, opts);
      return (await verifyPushed(client, [formatImageRef(ref)], digest, opts))[0]!;
    }),
  );
  const moved = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
  const failedAt = outcomes.findIndex((o) => o.status === "rejected");
  if (failedAt >= 0) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const reason = asError((outcomes[failedAt] as PromiseRejectedResult).reason);
    const already =
      moved.length > 0 ? `; already moved to ${digest}: ${moved.map((m) => m.ref).join(", ")}` : "";
    throw new PublishError(`could not tag ${tags[failedAt]}: ${reason.message}${already}`, moved, {
      cause: reason,
    });
  }
  return moved;
}
