// Replays read a log in 64 KiB pages that do not depend on where a reader starts, so any
// range and any resume point give exactly the lines asked for, once, in order.
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { iterateLogPages, resolveSeqOffset } from "../../../builder/src/store/log-file.js";

let dir: string;
let file: string;
const offsets: number[] = []; // where each seq's line starts
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "log-pages-"));
  file = path.join(dir, "log.ndjson");
  offsets.length = 0;
  let text = "";
  for (let seq = 1; seq <= 3000; seq++) {
    offsets[seq] = Buffer.byteLength(text);
    // Lines of varied length, some far longer than a page.
    const body = seq % 997 === 0 ? "L".repeat(200_000) : `line ${seq} ${"é".repeat(seq % 50)}`;
    text += `${JSON.stringify({ seq, ts: "t", stream: "stdout", line: body })}\n`;
  }
  await writeFile(file, text);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function seqs(afterSeq: number, start = 0, end?: number): Promise<number[]> {
  const out: number[] = [];
  for await (const page of iterateLogPages(file, afterSeq, start, end)) out.push(...page.map((l) => l.seq));
  return out;
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("iterateLogPages", () => {
  it("yields every line once, in order, long ones included", async () => {
    expect(await seqs(0)).toEqual(range(1, 3000));
  });

  it.each([1, 5, 996, 997, 998, 1500, 2999])("after seq %i: exactly the rest", async (after) => {
    expect(await seqs(after, await resolveSeqOffset(file, after))).toEqual(range(after + 1, 3000));
  });

  it("a byte range [start, end) of line starts gives just those lines", async () => {
    expect(await seqs(0, offsets[100], offsets[1200])).toEqual(range(100, 1199));
    expect(await seqs(0, offsets[996], offsets[999])).toEqual([996, 997, 998]);
  });

  it("skips a torn line and leaves an unfinished last line for later", async () => {
    await appendFile(
      file,
      '{"seq":3001,"ts":"t","stream":"std\n{"seq":3002,"ts":"t","stream":"stdout","line":"ok"}\n{"seq":3003',
    );
    expect((await seqs(2990)).slice(-3)).toEqual([2999, 3000, 3002]);
    await appendFile(file, ',"ts":"t","stream":"stdout","line":"late"}\n');
    expect((await seqs(3000)).slice(-2)).toEqual([3002, 3003]);
  });

  it("hands readers of the same page the same array (one parse for every client)", async () => {
    const first: unknown[] = [];
    for await (const page of iterateLogPages(file, 0)) first.push(page);
    const second: unknown[] = [];
    for await (const page of iterateLogPages(file, 0)) second.push(page);
    expect(second[1]).toBe(first[1]);
  });
});
