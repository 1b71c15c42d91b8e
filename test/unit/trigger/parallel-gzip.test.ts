import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chooseBlockLevel } from "../../../trigger/src/context/parallel-gzip.js";

const text = Buffer.from("def step(x):\n    return x * 7 + 3  # a line of source\n".repeat(20_000));

describe("chooseBlockLevel", () => {
  it.each([
    ["source text keeps the level", text.subarray(0, 1 << 20), 1, 1],
    ["random bytes are stored", randomBytes(1 << 20), 1, 0],
    ["a random start is stored even if text follows", Buffer.concat([randomBytes(64 << 10), text]), 1, 0],
    ["a tiny block keeps the level", randomBytes(100), 1, 1],
    ["level 0 stays 0", text, 0, 0],
    ["another level is kept for text", text, 6, 6],
  ])("%s", (_name, block, level, expected) => {
    expect(chooseBlockLevel(block, level)).toBe(expected);
  });
});
