// An uploaded context carries the build request in query parameters (SPEC §4):
// ?target=worker&ref=v1&tag=a&tag=b&platform=linux/amd64&buildArg=K=V&push=false.
// Parsed here into the same shape as the JSON body, then validated by the same schema,
// so both ways of asking for a build accept and reject exactly the same values.
import { buildRequestSchema, type BuildRequest } from "../../../common/build-request.js";
import { fromZodError, invalidRequest, type HttpError } from "./errors.js";

const SINGLE = ["target", "ref", "push", "smoke", "noCache", "wait"] as const;
const REPEATED = ["tag", "platform", "buildArg"] as const;
const KNOWN: readonly string[] = [...SINGLE, ...REPEATED];

function parseFlag(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalidFlag(name, value);
}

export function invalidFlag(name: string, value: string): HttpError {
  return invalidRequest(
    `Query parameter ${name}=${JSON.stringify(value.slice(0, 80))} must be "true" or "false".`,
    [{ path: name, message: 'must be "true" or "false"' }],
  );
}

function parseBuildArgs(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const out: [string, string][] = [];
  for (const kv of values) {
    const eq = kv.indexOf("=");
    if (eq <= 0) {
      throw invalidRequest(`Query parameter buildArg=${JSON.stringify(kv.slice(0, 80))} must be KEY=VALUE.`, [
        { path: "buildArg", message: "must be KEY=VALUE" },
      ]);
    }
    out.push([kv.slice(0, eq), kv.slice(eq + 1)]);
  }
  // fromEntries defines own properties, so a `__proto__` key reaches the schema (which
  // refuses it by name) instead of being swallowed by the prototype setter here.
  return Object.fromEntries(out);
}

/** Query parameters (as URLSearchParams) → a validated BuildRequest. Pure; throws HttpError 400. */
export function parseUploadQuery(params: URLSearchParams): BuildRequest {
  for (const name of new Set(params.keys())) {
    if (!KNOWN.includes(name)) {
      throw invalidRequest(
        `Unknown query parameter ${JSON.stringify(name.slice(0, 80))}; valid ones are ${KNOWN.join(", ")}.`,
        [{ path: name.slice(0, 80), message: "unknown query parameter" }],
      );
    }
  }
  for (const name of SINGLE) {
    if (params.getAll(name).length > 1) {
      throw invalidRequest(`Query parameter ${name} may be given once.`, [
        { path: name, message: "given more than once" },
      ]);
    }
  }
  const draft: Record<string, unknown> = {
    target: params.get("target") ?? undefined,
    ref: params.get("ref") ?? undefined,
    tags: params.getAll("tag").length ? params.getAll("tag") : undefined,
    platforms: params.getAll("platform").length ? params.getAll("platform") : undefined,
    buildArgs: parseBuildArgs(params.getAll("buildArg")),
    push: parseFlag("push", params.get("push") ?? undefined),
    smoke: parseFlag("smoke", params.get("smoke") ?? undefined),
    noCache: parseFlag("noCache", params.get("noCache") ?? undefined),
  };
  for (const key of Object.keys(draft)) if (draft[key] === undefined) delete draft[key];
  const parsed = buildRequestSchema.safeParse(draft);
  if (!parsed.success) throw fromZodError(parsed.error, "build request in the query parameters");
  return parsed.data;
}
