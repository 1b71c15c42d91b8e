import { describe, expect, it } from "vitest";
import { SseParser } from "../../../trigger/src/http/sse.js";

describe("SseParser", () => {
  it.each([
    ["one event", ['event: log\nid: 1\ndata: {"a":1}\n\n'], [{ event: "log", id: "1", data: '{"a":1}' }]],
    [
      "CRLF and CR line ends",
      ["event: end\r\ndata: x\r\n\r\ndata: y\r\r", "\n"],
      [
        { event: "end", data: "x" },
        { event: "message", data: "y" },
      ],
    ],
    ["split anywhere", ["ev", "ent: lo", "g\nda", "ta: 1\n", "\n"], [{ event: "log", data: "1" }]],
    ["CRLF split between chunks", ["data: a\r", "\n\r", "\n"], [{ event: "message", data: "a" }]],
    ["multi-line data", ["data: a\ndata: b\n\n"], [{ event: "message", data: "a\nb" }]],
    ["comments are heartbeats, not events", [": hb\n\n: hb\n\n"], []],
    ["retry field ignored", ["retry: 2000\n\n"], []],
    ["no space after colon", ["data:x\n\n"], [{ event: "message", data: "x" }]],
    ["incomplete event is held", ["data: x\n"], []],
  ])("%s", (_name, chunks, expected) => {
    const p = new SseParser();
    const events = chunks.flatMap((c) => p.push(c));
    expect(events).toEqual(expected);
  });

  it("remembers the last id across events and counts heartbeats", () => {
    const p = new SseParser();
    p.push("event: log\nid: 7\ndata: {}\n\n: hb\n\nevent: status\ndata: {}\n\n");
    expect(p.lastEventId).toBe("7");
    expect(p.comments).toBe(1);
  });
});
