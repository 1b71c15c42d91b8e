// Pure: a SmokeSummary as JUnit XML, the shape container-structure-test writes and CI
// systems read: <testsuites> / <testsuite> / <testcase time="seconds"> with a
// <failure message="..."> for a failed test and its output in <system-out>.
import type { SmokeSummary } from "../../../common/build-record.js";

// XML 1.0 cannot carry most C0 controls at all, even escaped; they are dropped.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** Attribute values also keep their line breaks and tabs as character references. */
function attr(text: string): string {
  return escapeXml(text).replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}

function seconds(ms: number | undefined): string {
  return ((ms ?? 0) / 1000).toFixed(3);
}

export function buildJunitXml(summary: SmokeSummary, suiteName = summary.file ?? "smoke"): string {
  const tests = summary.results.length;
  const failures = summary.results.filter((r) => !r.passed).length;
  const total = summary.durationMs ?? summary.results.reduce((sum, r) => sum + r.durationMs, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(suiteName)}" tests="${tests}" failures="${failures}" errors="0" time="${seconds(total)}">`,
    `  <testsuite name="${attr(suiteName)}" tests="${tests}" failures="${failures}" errors="0" skipped="0" time="${seconds(total)}"${summary.image ? ` hostname="${attr(summary.image)}"` : ""}>`,
  ];
  for (const r of summary.results) {
    const open = `    <testcase name="${attr(r.name)}" classname="${attr(r.kind ?? "smoke")}" time="${seconds(r.durationMs)}"`;
    const body: string[] = [];
    if (!r.passed)
      body.push(
        `      <failure message="${attr(r.message ?? "failed")}" type="${attr(r.kind ?? "smoke")}"/>`,
      );
    if (r.output) body.push(`      <system-out>${escapeXml(r.output)}</system-out>`);
    lines.push(body.length ? `${open}>\n${body.join("\n")}\n    </testcase>` : `${open}/>`);
  }
  lines.push("  </testsuite>", "</testsuites>", "");
  return lines.join("\n");
}
