// A `.dockerignore` that BuildKit refuses too (a bad pattern, a lone `!`, an overlong line).
// It names the file, the line and the pattern, so both binaries can report it as a usage
// error (exit 2) without a stack trace.
export interface DockerignoreErrorSource {
  file: string;
  line: number;
  pattern?: string;
}

export class DockerignoreError extends Error {
  readonly code = "DOCKERIGNORE_INVALID";
  constructor(
    message: string,
    readonly source: DockerignoreErrorSource,
  ) {
    super(message);
    this.name = "DockerignoreError";
  }
}

export function isDockerignoreError(err: unknown): err is DockerignoreError {
  return err instanceof DockerignoreError;
}

/**
 * An entry docker buildx build would send that an upload cannot carry: BuildKit sends a FIFO
 * or a device as itself, and the builder accepts only files, directories and links.
 */
export class UnsendableEntryError extends Error {
  readonly code = "CONTEXT_ENTRY_UNSENDABLE";
  constructor(
    readonly path: string,
    kind: string,
  ) {
    super(
      `${JSON.stringify(path)} is a ${kind}: docker buildx build would send it as one, but an uploaded context holds only files, directories and links; exclude it in .dockerignore`,
    );
    this.name = "UnsendableEntryError";
  }
}

/** Errors that mean "this context cannot be sent as it is": usage errors for both binaries. */
export function isContextError(err: unknown): err is DockerignoreError | UnsendableEntryError {
  return err instanceof DockerignoreError || err instanceof UnsendableEntryError;
}
