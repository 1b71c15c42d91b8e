import { describe, expect, it } from "vitest";
import type { Phase } from "../../../common/build-record.js";
import { describePublication, formatPublication } from "../../../common/publication.js";
import { makeBuildRecord } from "../../helpers/build-record.js";

const digest = `sha256:${"ab".repeat(32)}`;
const tags = ["ghcr.io/a/w:v1", "ghcr.io/a/w:latest"];
const phase = (name: Phase["name"], status: Phase["status"], message?: string): Phase => ({
  name,
  status,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  ...(message ? { message } : {}),
});

describe("describePublication", () => {
  it.each([
    {
      name: "published tags",
      record: makeBuildRecord({
        status: "succeeded",
        push: true,
        tags,
        digest,
        phases: [phase("tag", "succeeded")],
        published: tags.map((ref) => ({ ref, digest })),
      }),
      want: `published: ${tags.join(", ")}`,
    },
    {
      name: "a failed smoke test",
      record: makeBuildRecord({
        status: "failed",
        push: true,
        tags,
        digest,
        phases: [phase("smoke", "failed"), phase("tag", "skipped", "not reached")],
        error: { code: "SMOKE_FAILED", message: "1 of 1 smoke tests failed" },
      }),
      want: `not published: the build ended with SMOKE_FAILED; ${tags.join(", ")} still point where they did before`,
    },
    {
      name: "no push",
      record: makeBuildRecord({ status: "succeeded", push: false, tags, phases: [phase("tag", "skipped")] }),
      want: "not published: push was off for this build (--no-push)",
    },
    {
      name: "a running build",
      record: makeBuildRecord({ status: "running", push: true, tags, phases: [phase("tag", "pending")] }),
      want: "not published: the build has not reached the tag phase yet",
    },
    {
      name: "a succeeded build with nothing to tag",
      record: makeBuildRecord({
        status: "succeeded",
        push: true,
        digest,
        phases: [phase("tag", "skipped", "no tags were requested")],
      }),
      want: "not published: no tags were requested",
    },
    {
      name: "a record from before the tag phase (buildx pushed the tags)",
      record: makeBuildRecord({
        status: "succeeded",
        push: true,
        tags,
        digest,
        phases: [phase("push", "succeeded")],
      }),
      want: `published: ${tags.join(", ")}`,
    },
  ])("$name", ({ record, want }) => {
    expect(formatPublication(record)).toBe(want);
  });

  it("a partial publish lists only the tags that moved", () => {
    const p = describePublication(
      makeBuildRecord({
        status: "failed",
        push: true,
        tags,
        digest,
        phases: [phase("tag", "failed")],
        published: [{ ref: tags[0]!, digest }],
        error: { code: "PUSH_FAILED", message: "could not tag" },
      }),
    );
    expect(p).toEqual({ published: true, tags: [tags[0]], digest });
  });
});
