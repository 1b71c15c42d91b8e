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
