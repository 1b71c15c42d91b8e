// source: get the files to build — a shallow git fetch at the requested ref (recording the
// full commit), an uploaded context, or a directory — and resolve the context and
// Dockerfile inside it.
import path from "node:path";
import { fetchGitSource } from "../../source/git.js";
import { resolvePathSource } from "../../source/path.js";
import { resolveContextPaths } from "../../source/context-paths.js";
import { uploadContextDir } from "../../source/upload-paths.js";
import { resolveUploadedContextPaths } from "../../source/uploaded-context.js";
import { targetDockerfile } from "../../config/builder-config.js";
import type { BuildContext } from "./context.js";
import { PhaseFailure } from "./phase-failure.js";
import { resolveSourceToken } from "./secrets.js";
import { recordCommit } from "../../store/record-lifecycle.js";

async function resolveRoot(ctx: BuildContext): Promise<string> {
  const { record, target, config, deps } = ctx;
  const src = record.source;
  const configured = config.config.sources[target.source];
  switch (src.kind) {
    case "git": {
      if (!configured || !("git" in configured)) {
        throw new PhaseFailure(
          "SOURCE_FAILED",
          `source ${JSON.stringify(target.source)} is not a git source`,
        );
      }
      const dest = path.join(ctx.workDir, "src");
      const token = resolveSourceToken(deps, target.source);
      const { commit } = await fetchGitSource({
        url: configured.git,
        ref: src.commit ?? src.ref,
        dest,
        ...(token ? { token } : {}),
        signal: ctx.signal,
        onLine: (stream, line) => ctx.sink.log(stream, line),
        onCommand: (argv) => ctx.sink.log("system", `$ ${argv.join(" ")}`),
        env: { path: ctx.childEnv.PATH, tmpDir: ctx.workDir },
      });
      ctx.record = await ctx.sink.update((r) => recordCommit(r, commit));
      ctx.sink.log("system", `source: ${configured.git} at ${src.ref} is commit ${commit}`);
      return dest;
    }
    case "upload":
      return uploadContextDir(deps.uploadsDir, src.sha256);
    case "path": {
      if (src.dir) return src.dir;
      if (!configured || !("path" in configured)) {
        throw new PhaseFailure(
          "SOURCE_FAILED",
          `source ${JSON.stringify(target.source)} is not a path source`,
        );
      }
      const resolved = await resolvePathSource({
        path: configured.path,
        configDir: config.dir,
        signal: ctx.signal,
        envPath: ctx.childEnv.PATH,
      });
      ctx.record = await ctx.sink.update((r) => recordCommit(r, resolved.commit));
      ctx.sink.log(
        "system",
        `source: directory ${resolved.root}${resolved.commit ? ` (commit ${resolved.commit})` : ""}`,
      );
      return resolved.root;
    }
  }
}

export async function runSourcePhase(ctx: BuildContext): Promise<void> {
  const root = await resolveRoot(ctx);
  const { target } = ctx;
  const dockerfile = targetDockerfile(target);
  // An upload is the target's build context itself, not the source's root.
  const paths =
    ctx.record.source.kind === "upload"
      ? await resolveUploadedContextPaths(root, {
          name: ctx.record.target,
          source: target.source,
          context: target.context,
          dockerfile,
        })
      : await resolveContextPaths(root, { context: target.context, dockerfile });
  ctx.sourceRoot = paths.root;
  ctx.contextDir = paths.context;
  ctx.dockerfile = paths.dockerfile;
}
