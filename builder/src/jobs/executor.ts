// The seam between the job layer (queue, leases) and the build itself: the job layer
// owns when a build runs (ports.ts declares what it needs), the runner owns what
// running one means.
import type { AbortReason } from "./ports.js";

export type { AbortReason, BuildExecutor, BuildSink, SinkStream as LogStream } from "./ports.js";

export function isAbortReason(value: unknown): value is AbortReason {
  return (
    typeof value === "object" &&
    value !== null &&
    ["CANCELLED", "TIMEOUT", "INTERRUPTED"].includes((value as { code?: unknown }).code as string)
  );
}
