import { describe, expect, it } from "vitest";
import { buildRequestSchema, describeIssues } from "../../../common/build-request.js";
import { STAGING_TAG } from "../../../common/values.js";

describe("build request tags", () => {
  it("refuses the tag the docker driver stages pushes under, naming it", () => {
    const input = { target: "worker", tags: ["v1", STAGING_TAG] };
    const parsed = buildRequestSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(describeIssues(parsed.error, input)).toBe(
      `tags.1: '${STAGING_TAG}' is reserved: the builder stages unpublished pushes under it (got "${STAGING_TAG}")`,
    );
  });

  it("accepts ordinary tags, including ones that only contain the staging name", () => {
    const parsed = buildRequestSchema.safeParse({
      target: "worker",
      tags: ["v1", `${STAGING_TAG}-2`, "latest"],
    });
    expect(parsed.success).toBe(true);
  });
});
