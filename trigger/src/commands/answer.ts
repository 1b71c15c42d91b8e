// Reading a JSON answer that was fetched with client.send (when a command must look at
// the status first, as `cancel` does for 409).
import { TriggerError } from "../errors.js";
import { errorFromResponse } from "../http/errors.js";

export function json(status: number, text: string, what: string, ok: readonly number[]): unknown {
  if (!ok.includes(status)) throw errorFromResponse(status, text, what);
  try {
    return JSON.parse(text);
  } catch {
    throw new TriggerError(
      "PROTOCOL",
      `${what}: HTTP ${status} body is not JSON: ${JSON.stringify(text.slice(0, 120))}`,
    );
  }
}
