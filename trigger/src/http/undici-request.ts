// Loads just the part of undici the CLI uses: an Agent and its request(). undici's index
// also loads fetch, WebSocket, mocks, caches and interceptors, which took ~250 ms of the
// start-up on a busy 2-core machine against ~100 ms for these two modules. undici has no
// "exports" map, so the deep paths are importable; if a future layout moves them, the
// full package is loaded instead (slower start, same behaviour).
import type { Dispatcher } from "undici";

export type RequestOptions = Omit<Dispatcher.RequestOptions, "origin" | "path" | "method"> & {
  method: string;
};
export type RequestFn = (url: string, options: RequestOptions) => Promise<Dispatcher.ResponseData>;

let loaded: Promise<RequestFn> | undefined;

export function loadRequest(): Promise<RequestFn> {
  loaded ??= loadParts().catch(loadFull);
  return loaded;
}

/** The fast path alone (exported so a test pins that it still works with the installed undici). */
export async function loadParts(): Promise<RequestFn> {
  // Non-literal specifiers: these paths have no type declarations of their own.
  const agentPath = "undici/lib/dispatcher/agent.js";
  const apiPath = "undici/lib/api/index.js";
  const [agentModule, apiModule] = await Promise.all([import(agentPath), import(apiPath)]);
  const AgentClass = (agentModule as { default: new () => Dispatcher }).default;
  const api = (
    apiModule as { default: { request: (this: Dispatcher, o: unknown) => Promise<Dispatcher.ResponseData> } }
  ).default;
  if (typeof AgentClass !== "function" || typeof api?.request !== "function")
    throw new Error("undici layout changed");
  const agent = new AgentClass();
  return (url, options) => {
    const u = new URL(url);
    return api.request.call(agent, { ...options, origin: u.origin, path: `${u.pathname}${u.search}` });
  };
}

async function loadFull(): Promise<RequestFn> {
  const { request } = await import("undici");
  return (url, options) => request(url, options as Parameters<typeof request>[1]) as ReturnType<RequestFn>;
}
