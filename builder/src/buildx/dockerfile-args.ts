// Which build args a Dockerfile consumes. buildx 0.13.1 with the BuildKit in Docker 26.1 says
// nothing when a --build-arg is never declared (no output line, nothing in
// --metadata-file: checked on this stack), yet such an arg silently does nothing, as
// COMFYUI_VERSION did for comfyume-v1's worker Dockerfile. So the builder reads the
// Dockerfile itself: an arg is consumed when an ARG instruction declares it before the first
// FROM (usable in FROM lines) or in a stage the build needs (the target stage, or the last
// one, and every stage it builds FROM, COPY --from or RUN --mount from). Pure.

/** Args every build accepts without an ARG line (Dockerfile reference: "Predefined ARGs"). */
const PREDEFINED = new Set(
  ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((n) => [n, n.toLowerCase()]),
);
const isPredefined = (name: string) =>
  PREDEFINED.has(name) || name.startsWith("BUILDKIT_") || name === "SOURCE_DATE_EPOCH";

interface Stage {
  name: string | undefined;
  base: string;
  args: string[];
  deps: string[];
}

interface Parsed {
  globalArgs: string[];
  stages: Stage[];
}

/** Logical lines: continuations joined, comments and heredoc bodies dropped. */
function logicalLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const escape = /^#\s*escape\s*=\s*`/i.test(lines[0] ?? "") ? "`" : "\\";
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    const trimmed = line.replace(/\s+$/, "");
    if (trimmed.endsWith(escape)) {
      current += `${trimmed.slice(0, -1)} `;
      continue;
    }
    current += line;
    // A heredoc (RUN <<EOF ... EOF): its body is not instructions.
    for (const m of current.matchAll(/<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)) {
      const end = m[2]!;
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== end) i++;
      i++;
    }
    if (current.trim()) out.push(current.trim());
    current = "";
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function argNames(rest: string): string[] {
  return [...rest.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)].map((m) => m[1]!);
}

export function parseDockerfile(text: string): Parsed {
  const parsed: Parsed = { globalArgs: [], stages: [] };
  for (const line of logicalLines(text)) {
    const [word = "", ...restWords] = line.split(/\s+/);
    const rest = restWords.join(" ");
    const instruction = word.toUpperCase();
    const stage = parsed.stages.at(-1);
    if (instruction === "FROM") {
      const words = restWords.filter((w) => !w.startsWith("--"));
      const as = words.findIndex((w) => w.toUpperCase() === "AS");
      parsed.stages.push({
        name: as >= 0 ? words[as + 1]?.toLowerCase() : undefined,
        base: (words[0] ?? "").toLowerCase(),
        args: [],
        deps: [],
      });
    } else if (instruction === "ARG") {
      // ARG a=1 b c="x y": names are the words before "=" (quoted values hold no names).
      const names = argNames(rest.replace(/=("[^"]*"|'[^']*'|\S*)/g, "="));
      (stage ? stage.args : parsed.globalArgs).push(...names);
    } else if (stage && (instruction === "COPY" || instruction === "ADD" || instruction === "RUN")) {
      for (const m of rest.matchAll(/--(?:from|mount=[^\s]*?\bfrom)=([^\s,]+)/g))
        stage.deps.push(m[1]!.toLowerCase());
    }
  }
  return parsed;
}

/** Indexes of the stages a build of `target` (default: the last stage) runs. */
function neededStages(parsed: Parsed, target: string | null | undefined): Set<number> {
  const byName = (ref: string): number | undefined => {
    const i = parsed.stages.findIndex((s) => s.name === ref);
    if (i >= 0) return i;
    return /^\d+$/.test(ref) && Number(ref) < parsed.stages.length ? Number(ref) : undefined;
  };
  const start = target ? byName(target.toLowerCase()) : parsed.stages.length - 1;
  const needed = new Set<number>();
  const queue = start === undefined ? [] : [start];
  while (queue.length) {
    const i = queue.pop()!;
    if (needed.has(i)) continue;
    needed.add(i);
    const s = parsed.stages[i]!;
    for (const ref of [s.base, ...s.deps]) {
      const j = byName(ref);
      // A stage may only use stages defined before it; a later name is an image.
      if (j !== undefined && j < i) queue.push(j);
    }
  }
  return needed;
}

/** The build args (by name) that the Dockerfile never declares where the build would use them. */
export function findUnconsumedBuildArgs(
  dockerfile: string,
  buildArgs: readonly string[],
  target?: string | null,
): string[] {
  const parsed = parseDockerfile(dockerfile);
  const consumed = new Set(parsed.globalArgs);
  for (const i of neededStages(parsed, target)) for (const a of parsed.stages[i]!.args) consumed.add(a);
  return buildArgs.filter((a) => !consumed.has(a) && !isPredefined(a));
}

/** The warning line for args a Dockerfile does not consume (undefined when there are none). */
export function describeUnconsumedBuildArgs(
  dockerfile: string,
  names: readonly string[],
): string | undefined {
  if (names.length === 0) return undefined;
  return `build arg${names.length > 1 ? "s" : ""} ${names.join(", ")} ${names.length > 1 ? "are" : "is"} not declared by an ARG in ${dockerfile} where this build uses it, so ${names.length > 1 ? "they change" : "it changes"} nothing`;
}
