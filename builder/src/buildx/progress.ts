// Reads `--progress=plain` output line by line. It counts the Dockerfile steps and
// the ones BuildKit answered from cache, keeps each step's last output lines, and on
// failure names THE useful error: the failing step with its error line and output
// (never just "exit code 1"), a refused push with the registry to check, or a local
// cache that could not be imported (so the caller can move it aside).
// Line shapes (buildx 0.13, captured in test/fixtures/buildx/*.txt):
//   #6 [3/4] RUN exit 3            vertex start (also "[linux/arm64 2/2] …", "[stage 1/3] …")
//   #6 0.173 some output           step output (seconds since the step started, then the line)
//   #6 CACHED | #6 DONE 0.3s | #6 ERROR: <message> | #6 CANCELED
//   WARNING: local cache import at DIR not found due to err: …
//   ERROR: failed to solve: <message>

export type BuildxErrorKind = "build" | "push" | "cache" | "unknown";

export interface BuildxFailure {
  kind: BuildxErrorKind;
  /** One sentence: the failing step and its error, or what the registry said. */
  message: string;
  /** The failing step's name as buildx shows it, e.g. "[3/4] RUN exit 3". */
  step?: string;
  /** The failing step's last output lines (without BuildKit's timestamps). */
  output: string[];
  /** A push the registry failed for a moment (5xx, 429, a dropped connection): worth running again. */
  transient?: boolean;
}

export interface CacheProblem {
  stage: "import" | "export";
  message: string;
}

export interface ProgressSummary {
  /** Dockerfile steps other than FROM, and how many of them BuildKit answered from cache. */
  steps: { total: number; cached: number };
  /** Dockerfile steps in the order they started. */
  stepNames: string[];
  failure?: BuildxFailure;
  cacheProblem?: CacheProblem;
}

interface Vertex {
  name: string;
  isStep: boolean;
  cached: boolean;
  error?: string;
  output: string[];
}

const STEP = /^\[(?:[^\]]* )?\d+\/\d+\] /;
const FROM_STEP = /^\[[^\]]*\] FROM /;
const KEEP_OUTPUT_LINES = 20;

export class BuildxProgressParser {
  private readonly vertices = new Map<string, Vertex>();
  private readonly stepOrder: string[] = [];
  private firstError?: string;
  private solveError?: string;
  private dockerfileLocation?: string;
  private readonly sourceLines: string[] = [];
  private cacheProblem?: CacheProblem;

  /** @param cacheDirs local cache directories in use, so errors naming them count as cache errors */
  constructor(private readonly cacheDirs: readonly string[] = []) {}

  push(line: string): void {
    const m = /^#(\d+) (.*)$/.exec(line);
    if (m) {
      this.vertexLine(m[1]!, m[2]!);
      return;
    }
    this.topLevelLine(line);
  }

  private vertexLine(id: string, rest: string): void {
    let vertex = this.vertices.get(id);
    if (!vertex) {
      vertex = { name: rest, isStep: STEP.test(rest), cached: false, output: [] };
      this.vertices.set(id, vertex);
      if (vertex.isStep && !this.stepOrder.includes(rest)) this.stepOrder.push(rest);
      return;
    }
    if (rest === "CACHED") vertex.cached = true;
    else if (rest.startsWith("ERROR: ")) {
      vertex.error = rest.slice("ERROR: ".length);
      this.firstError ??= id;
    } else {
      const out = /^\d+\.\d+ (.*)$/.exec(rest);
      if (out && vertex.isStep) {
        vertex.output.push(out[1]!);
        if (vertex.output.length > KEEP_OUTPUT_LINES) vertex.output.shift();
      }
    }
  }

  private topLevelLine(line: string): void {
    const warn = /^WARNING: local cache import at (.*) not found due to err: (.*)$/.exec(line);
    if (warn) {
      this.cacheProblem = {
        stage: "import",
        message: `the local cache at ${warn[1]} could not be read: ${warn[2]}`,
      };
      return;
    }
    const err = /^ERROR: (?:failed to (?:solve|build): )?(.*)$/.exec(line);
    if (err) {
      this.solveError ??= err[1]!;
      return;
    }
    const location = /^(\S*Dockerfile[^\s:]*):(\d+)$/.exec(line);
    if (location) this.dockerfileLocation = `${location[1]}:${location[2]}`;
    const source = /^\s*\d+ \| >>> ?(.*)$/.exec(line);
    if (source && this.sourceLines.length < 5) this.sourceLines.push(source[1]!);
  }

  summary(): ProgressSummary {
    // FROM steps are left out of the counts: BuildKit marks a base image CACHED when it is
    // in the local store and DONE when it resolves it afresh, which says nothing about
    // the build cache.
    const steps = new Map<string, boolean>();
    for (const v of this.vertices.values()) {
      if (v.isStep && !FROM_STEP.test(v.name)) steps.set(v.name, (steps.get(v.name) ?? false) || v.cached);
    }
    const cached = [...steps.values()].filter(Boolean).length;
    const failure = this.failure();
    let cacheProblem = this.cacheProblem;
    if (failure?.kind === "cache" && !cacheProblem) {
      cacheProblem = {
        stage: failure.step?.startsWith("exporting cache") ? "export" : "import",
        message: failure.message,
      };
    }
    return {
      steps: { total: steps.size, cached },
      stepNames: [...this.stepOrder],
      ...(failure && { failure }),
      ...(cacheProblem && { cacheProblem }),
    };
  }

  private failure(): BuildxFailure | undefined {
    const vertex = this.firstError ? this.vertices.get(this.firstError) : undefined;
    const error = vertex?.error ?? this.solveError;
    if (error === undefined) return undefined;
    const push = describePushError(error, vertex?.name);
    if (push) {
      return {
        kind: "push",
        message: push.message,
        ...(push.transient && { transient: true }),
        output: [],
        ...(vertex && { step: vertex.name }),
      };
    }
    if (this.isCacheError(error, vertex?.name)) {
      return {
        kind: "cache",
        message: `the build cache could not be used: ${error}`,
        output: [],
        ...(vertex && { step: vertex.name }),
      };
    }
    if (vertex?.isStep) {
      return {
        kind: "build",
        step: vertex.name,
        message: `step ${vertex.name} failed: ${error}`,
        output: [...vertex.output],
      };
    }
    if (this.dockerfileLocation) {
      return {
        kind: "build",
        message: `${this.dockerfileLocation}: ${error}`,
        output: [...this.sourceLines],
      };
    }
    return {
      kind: vertex ? "build" : "unknown",
      message: vertex ? `${vertex.name}: ${error}` : error,
      output: [],
    };
  }

  private isCacheError(error: string, vertexName: string | undefined): boolean {
    if (vertexName?.startsWith("importing cache manifest") || vertexName?.startsWith("exporting cache"))
      return true;
    return this.cacheDirs.some((dir) => error.includes(dir));
  }
}

/** Parses a whole captured output at once (tests, and post-mortem on a stored log). */
export function parseBuildxProgress(
  lines: Iterable<string>,
  cacheDirs: readonly string[] = [],
): ProgressSummary {
  const parser = new BuildxProgressParser(cacheDirs);
  for (const line of lines) parser.push(line);
  return parser.summary();
}

export interface PushError {
  /** One sentence: what was refused or failed, and what to check. */
  message: string;
  /**
   * The registry had a bad moment (5xx, 429, 408, a connection reset, broken or cut short, a
   * timeout), not a
   * refusal: the same push may well succeed a few seconds later.
   */
  transient: boolean;
}

const TRANSIENT_PUSH_DETAIL =
  /: (?:5\d\d|429|408) [A-Z]|\b(?:connection reset by peer|broken pipe|i\/o timeout|unexpected EOF|TLS handshake timeout)\b/i;

/**
 * Turns BuildKit's push errors into a sentence that says what to check, e.g.
 * "push to 127.0.0.1:5001/x:y was refused: unauthorized (check the registry credentials for 127.0.0.1:5001)".
 * Two shapes: BuildKit's exporter ("failed to push REF: DETAIL") and, on the docker driver,
 * dockerd's own push of the exported image (a vertex "pushing REF with docker" whose error
 * is the bare DETAIL). `undefined` when the error is not about a push.
 */
export function describePushError(error: string, vertexName?: string): PushError | undefined {
  const whole =
    /failed to push (\S+?):? (.*)$/.exec(error) ?? /^pushing (\S+) with docker: (.*)$/.exec(error);
  const byVertex = vertexName ? /^pushing (\S+) with docker$/.exec(vertexName) : null;
  if (!whole && !byVertex) return undefined;
  const ref = whole ? whole[1]! : byVertex![1]!;
  const detail = whole ? whole[2]! : error;
  const host = ref.split("/")[0] ?? ref;
  if (/\b401\b|unauthori[sz]ed|authentication required|no basic auth credentials/i.test(detail)) {
    return {
      message: `push to ${ref} was refused: unauthorized (check the registry credentials for ${host})`,
      transient: false,
    };
  }
  if (/\b403\b|forbidden|denied/i.test(detail)) {
    return {
      message: `push to ${ref} was refused: access denied (the credentials for ${host} may not write to this repository)`,
      transient: false,
    };
  }
  return { message: `push to ${ref} failed: ${detail}`, transient: TRANSIENT_PUSH_DETAIL.test(detail) };
}
