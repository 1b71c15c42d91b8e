import { describe, expect, it } from "vitest";
import { buildJunitXml, escapeXml } from "../../../builder/src/smoke/junit.js";

describe("escapeXml", () => {
  it.each([
    ["plain", "plain"],
    [`<a href="x">&'</a>`, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"],
    ["&amp;", "&amp;amp;"],
    ["bell\u0007 nul\u0000 esc\u001b", "bell nul esc"],
    ["tab\tand\nnewline", "tab\tand\nnewline"],
    ["ünï©ødé ✓", "ünï©ødé ✓"],
  ])("escapes %j", (text, expected) => {
    expect(escapeXml(text)).toBe(expected);
  });
});

describe("buildJunitXml", () => {
  it("writes one testcase per result, failures with their message, output as system-out", () => {
    const xml = buildJunitXml({
      file: "smoke/worker.yaml",
      image: "ghcr.io/a/b@sha256:abc",
      passed: 1,
      failed: 1,
      durationMs: 1234,
      results: [
        { name: "python <3>", kind: "command", passed: true, durationMs: 950 },
        {
          name: `imports "comfy"`,
          kind: "command",
          passed: false,
          durationMs: 12,
          output: "Traceback <module>\n  & more",
          message: "expected output /ok/ not found in stdout\nsecond line",
        },
      ],
    });
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="smoke/worker.yaml" tests="2" failures="1" errors="0" time="1.234">',
        '  <testsuite name="smoke/worker.yaml" tests="2" failures="1" errors="0" skipped="0" time="1.234" hostname="ghcr.io/a/b@sha256:abc">',
        '    <testcase name="python &lt;3&gt;" classname="command" time="0.950"/>',
        '    <testcase name="imports &quot;comfy&quot;" classname="command" time="0.012">',
        '      <failure message="expected output /ok/ not found in stdout&#10;second line" type="command"/>',
        "      <system-out>Traceback &lt;module&gt;\n  &amp; more</system-out>",
        "    </testcase>",
        "  </testsuite>",
        "</testsuites>",
        "",
      ].join("\n"),
    );
  });

  it("handles an empty summary", () => {
    const xml = buildJunitXml({ passed: 0, failed: 0, results: [] });
    expect(xml).toContain('<testsuites name="smoke" tests="0" failures="0" errors="0" time="0.000">');
  });
});
