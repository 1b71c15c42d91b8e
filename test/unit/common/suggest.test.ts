import { describe, expect, it } from "vitest";
import { editDistance, suggestNearest } from "../../../common/suggest.js";

describe("editDistance (optimal string alignment)", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["submit", "submit", 0],
    ["sumbit", "submit", 1], // one adjacent swap
    ["tga", "tag", 1],
    ["stats", "status", 1],
    ["kitten", "sitting", 3],
    ["ca", "abc", 3], // OSA, not full Damerau (which gives 2)
  ])("%s -> %s is %i", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("suggestNearest", () => {
  const commands = ["submit", "status", "list", "logs", "cancel", "retry", "targets", "schedule"];
  it.each([
    ["sumbit", commands, "submit"],
    ["stats", commands, "status"],
    ["lst", commands, "list"],
    ["retyr", commands, "retry"],
    ["sched", commands, "schedule"], // the only name it is a prefix of
    ["s", commands, undefined], // a prefix of several: no guess
    ["frobnicate", commands, undefined],
    ["x", ["ls", "prune"], undefined],
    ["--detatch", ["--detach", "--json"], "--detach"],
    ["--no-psuh", ["--no-push", "--no-smoke", "--no-cache"], "--no-push"],
    ["LIST", commands, "list"],
    ["", commands, undefined],
  ])("%s -> %s", (input, candidates, expected) => {
    expect(suggestNearest(input, candidates)).toBe(expected);
  });
});
