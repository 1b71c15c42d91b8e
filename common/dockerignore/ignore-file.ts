// Reading a `.dockerignore` the way BuildKit does (moby/patternmatcher's ignorefile.ReadAll,
// which the Dockerfile frontend calls): lines split on "\n" with one trailing "\r" dropped, a
// UTF-8 BOM dropped from the first line, a line whose first character is `#` is a comment
// (an indented `# x` is a pattern), surrounding white space trimmed, a leading `!` kept apart
// and trimmed after, the rest cleaned as a path with one leading `/` removed. Each pattern
// keeps its line number so errors can point at it.
import { DockerignoreError } from "./dockerignore-error.js";
import { goClean, goTrimSpace } from "./go-text.js";

export interface IgnoreLine {
  /** The pattern as BuildKit hands it to the matcher (`!` prefix included). */
  pattern: string;
  /** 1-based line in the file. */
  line: number;
  /** The line as written (without its line ending), for messages. */
  text?: string;
}

// bufio.Scanner's default buffer: a longer line stops BuildKit with "token too long".
const MAX_LINE_BYTES = 64 * 1024;

export function parseIgnoreFile(content: string | Buffer, file = ".dockerignore"): IgnoreLine[] {
  const text = typeof content === "string" ? content : content.toString("utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const out: IgnoreLine[] = [];
  lines.forEach((raw, index) => {
    let line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith("\uFEFF")) line = line.slice(1);
    if (Buffer.byteLength(raw) + 1 > MAX_LINE_BYTES) {
      throw new DockerignoreError(
        `${file} line ${index + 1} is longer than ${MAX_LINE_BYTES - 1} bytes, which BuildKit cannot read`,
        { file, line: index + 1 },
      );
    }
    if (line.startsWith("#")) return;
    let pattern = goTrimSpace(line);
    if (pattern === "") return;
    const invert = pattern.startsWith("!");
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern !== "") {
      pattern = goClean(pattern);
      if (pattern.length > 1 && pattern.startsWith("/")) pattern = pattern.slice(1);
    }
    out.push({ pattern: invert ? `!${pattern}` : pattern, line: index + 1, text: line });
  });
  return out;
}
