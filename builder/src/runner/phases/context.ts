// What the phases of one build share. Built by the runner, mutated only by phases in order.
import type { BuildRecord } from "../../../../common/build-record.js";
import type { LoadedBuilderConfig } from "../../config/load-builder-config.js";
import type { TargetConfig } from "../../config/builder-config.js";
import type { BuildSink } from "../port.js";
import type { RunnerDeps } from "../runner-deps.js";

export interface BuildContext {
  readonly id: string;
  readonly deps: RunnerDeps;
  readonly config: LoadedBuilderConfig;
  readonly target: TargetConfig;
  readonly sink: BuildSink;
  readonly signal: AbortSignal;
  /** Scratch space for this build, removed when it ends. */
  readonly workDir: string;
  /** Values that must never reach a log line or record (registry passwords, tokens, build secrets). */
  readonly secrets: string[];
  /** Environment for docker/git children: the builder's own plus DOCKER_CONFIG and build-secret vars. */
  childEnv: NodeJS.ProcessEnv;
  record: BuildRecord;
  sourceRoot?: string;
  contextDir?: string;
  dockerfile?: string;
  /** Set when the image was not pushed: the build result as an OCI layout, for smoke tests. */
  ociLayoutDir?: string;
  /** Set by the push phase: the pushed manifest's exact bytes, for the tag phase to put under each tag. */
  pushedManifest?: { bytes: Buffer; mediaType: string };
  cleanups: (() => Promise<void>)[];
}

export function systemLog(ctx: BuildContext, line: string): void {
  ctx.sink.log("system", line);
}
