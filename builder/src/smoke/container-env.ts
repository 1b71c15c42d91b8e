// What environment and argv container-structure-test's docker driver gives each process
// of a command test (pkg/drivers/docker_driver.go, pkg/types/v{1,2}):
//
// - v2 globalEnvVars: SetEnv commits a container made with them, so they join the
//   image's env (values expanded with os.Expand against the image's env);
// - setup: each command runs in a container made with the test's envVars (expanded
//   against the current image's env) and is committed, so those vars join the image's
//   env too (v1 passes globalEnvVars + envVars here, and only here); exit status ignored;
// - the command: argv expanded against the resulting image env; the container gets the
//   test's envVars unexpanded, or, when containerRunOptions is set, only the variables
//   it names (taken from the environment of whoever runs the tests) instead.
//
// Docker merges a container's env as [given..., image's not given...] and puts PATH and
// HOSTNAME first; the image's own env is what the BuildKit RUN step starts with, so
// only the overlay (what the driver adds) is computed here, in precedence order.
import { expandEnv } from "./shell.js";
import type { CommandTest, EnvVar, SmokeFile } from "./smoke-file.js";

export type EnvList = [key: string, value: string][];

/** Docker's merge: entries first, earlier ones winning, as a container's Config.Env is read. */
export function mergeEnv(...layers: EnvList[]): EnvList {
  const seen = new Set<string>();
  const out: EnvList = [];
  for (const layer of layers) {
    // Within one list a later duplicate replaces the earlier value in its place.
    const values = new Map(layer);
    for (const [key] of layer) {
      if (seen.has(key)) continue;
      seen.add(key);
      out.push([key, values.get(key)!]);
    }
  }
  return out;
}

function toMap(list: EnvList): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [k, v] of list) map[k] = v; // convertSliceToMap: the last one wins
  return map;
}

/** processEnvVars: each value expanded against the current image's env. */
function expandedVars(vars: readonly EnvVar[], imageEnv: EnvList): EnvList {
  const env = toMap(imageEnv);
  return vars.map((v) => [v.key, expandEnv(v.value, env)]);
}

export interface ProcessPlan {
  /** argv as the container starts it (already expanded where the driver expands). */
  argv: string[];
  /** Variables set on top of the image's env, earliest winning. */
  overlay: EnvList;
}

export interface CommandPlan {
  setup: ProcessPlan[];
  main: ProcessPlan;
}

/** Environment a command test runs with, given the image config's env and the runner's env. */
export function planCommandProcesses(
  file: Pick<SmokeFile, "schemaVersion" | "globalEnvVars" | "runOptions">,
  test: CommandTest,
  imageEnv: EnvList,
  hostEnv: Readonly<Record<string, string | undefined>>,
): CommandPlan {
  let committed: EnvList = []; // what the driver has committed on top of the image so far
  const current = () => mergeEnv(committed, imageEnv);
  if (file.schemaVersion === "2.0.0" && file.globalEnvVars.length > 0) {
    committed = mergeEnv(expandedVars(file.globalEnvVars, imageEnv), committed);
  }
  const setupVars = file.schemaVersion === "2.0.0" ? test.envVars : [...file.globalEnvVars, ...test.envVars];
  const setup = test.setup.map((argv) => {
    const given = setupVars.length > 0 ? expandedVars(setupVars, current()) : [];
    const process = { argv, overlay: mergeEnv(given, committed) };
    committed = mergeEnv(given, committed);
    return process;
  });
  const given: EnvList = file.runOptions
    ? file.runOptions.envVars.flatMap((name) => {
        const value = hostEnv[name];
        return value ? [[name, value] as [string, string]] : [];
      })
    : test.envVars.map((v) => [v.key, v.value]);
  const configEnv = toMap(current());
  return {
    setup,
    main: { argv: test.command.map((a) => expandEnv(a, configEnv)), overlay: mergeEnv(given, committed) },
  };
}

/** The env fileExistenceTests expand their path against: v2's globals join the image env. */
export function fileTestEnv(
  file: Pick<SmokeFile, "schemaVersion" | "globalEnvVars">,
  imageEnv: EnvList,
): Record<string, string> {
  if (file.schemaVersion !== "2.0.0") return toMap(imageEnv);
  return toMap(mergeEnv(expandedVars(file.globalEnvVars, imageEnv), imageEnv));
}
