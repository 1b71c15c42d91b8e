// What can go wrong talking to a registry, with a stable code per kind so the
// callers (push verification, backup) can say PUSH_FAILED / BACKUP_FAILED and keep
// the registry's reason in the message.

export type RegistryErrorCode =
  | "REGISTRY_UNAUTHORIZED"
  | "REGISTRY_DENIED"
  | "REGISTRY_NOT_FOUND"
  | "REGISTRY_UNAVAILABLE"
  | "REGISTRY_PROTOCOL";

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    /** The HTTP status that decided it, when there was one. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RegistryError";
  }
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}
