// What a caught value says. `catch (err)` gives `unknown`: most throws are Errors, but a library, a rejected
// promise or an aborted signal may hand over anything, and a cast would print "undefined" for those.

/** The message of a thrown value: an Error's message, otherwise the value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The stack of a thrown value for crash output, falling back to the value as text. */
export function errorStack(err: unknown): string {
  return (err instanceof Error ? err.stack : undefined) ?? String(err);
}

/** A thrown value as an Error (wrapped when it is not one), for APIs that take an Error. */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
