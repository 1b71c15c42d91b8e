// After buildx says it pushed, ask the registry: does every tag exist, and does it
// point at the digest buildx reported? A push that "succeeded" into the wrong
// repository, or raced another build on the same tag, is caught here.
import type { ErrorCode } from "../../../common/build-record.js";
import type { RegistryClient, RequestOptions } from "./client.js";
import { RegistryError } from "./errors.js";
import { parseImageRef } from "./image-ref.js";
import { errorMessage } from "../../../common/errors.js";

export interface PushedTag {
  ref: string;
  digest: string;
}

export class PushVerificationError extends Error {
  readonly code: ErrorCode = "PUSH_FAILED";
  constructor(
    message: string,
    /** The tag the failure is about. */
    readonly ref: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PushVerificationError";
  }
}

/**
 * Resolves each ref's digest, in order, and checks it against `expectedDigest` when
 * given. Throws PushVerificationError (code PUSH_FAILED) naming the tag on a missing
 * tag, a mismatch, a bad reference, or a registry that refuses or keeps failing.
 */
export async function verifyPushed(
  client: RegistryClient,
  refs: readonly string[],
  expectedDigest?: string,
  opts: RequestOptions = {},
): Promise<PushedTag[]> {
  const out: PushedTag[] = [];
  for (const ref of refs) {
    let digest: string;
    try {
      ({ digest } = await client.resolveDigest(parseImageRef(ref), opts));
    } catch (err) {
      // A cancelled build reports the cancellation, not a failed push.
      if (opts.signal?.aborted) throw err;
      const why =
        err instanceof RegistryError && err.code === "REGISTRY_NOT_FOUND"
          ? `${ref} is not in the registry after the push (${err.message})`
          : `could not confirm ${ref} was pushed: ${errorMessage(err)}`;
      throw new PushVerificationError(why, ref, { cause: err });
    }
    if (expectedDigest !== undefined && digest !== expectedDigest) {
      throw new PushVerificationError(
        `${ref} points at ${digest}, not at the pushed ${expectedDigest}; another push may have moved the tag`,
        ref,
      );
    }
    out.push({ ref, digest });
  }
  return out;
}
