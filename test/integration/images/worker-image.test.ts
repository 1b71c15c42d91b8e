// Builds Dockerfile.worker for real, exactly as committed: the CUDA base swapped for a
// Debian python3 stand-in, ComfyUI for a small stand-in tree, the platform's worker files
// for stand-ins and the torch index for a PEP 503 index on loopback (reached with
// --network=host), then runs its start script in a container with no GPU, and its smoke
// file through `comfyume-builder smoke`: passing with torch 2.7.1+cu128, failing with a
// torch whose kernels stop at sm_90.
import { statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stack } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";
import { startPackageIndex, type PackageIndex } from "./pep503-index.js";
import { run } from "../../../builder/src/process/spawn.js";
import {
  buildBuilderImage,
  buildImage,
  docker,
  DOCKER,
  REPO_ROOT,
  type BuiltImage,
  resolveCaBundle,
} from "./image-build.js";

const FIXTURES = path.join(REPO_ROOT, "test/fixtures/worker");
let index: PackageIndex;
let image: BuiltImage;
let oldTorch: BuiltImage;
let builder: BuiltImage;
const containers: string[] = [];

beforeAll(async () => {
  index = await startPackageIndex(path.join(FIXTURES, "wheels"));
  const worker = (tag: string, buildArgs: Record<string, string> = {}) =>
    buildImage({
      dockerfile: "Dockerfile.worker",
      tag: `${stack().mirror}/test/comfyume-worker:${tag}`,
      contexts: {
        "nvidia/cuda:12.8.1-runtime-ubuntu22.04": `docker-image://${stack().mirror}/stand-in/cuda:12.8`,
        comfyui: path.join(FIXTURES, "comfyui"),
        "platform-worker": path.join(FIXTURES, "platform-worker"),
      },
      buildArgs: { TORCH_INDEX_URL: index.url, PIP_INDEX_URL: index.url, ...buildArgs },
      hostNetwork: true,
      push: true,
    });
  image = await worker(String(process.pid));
  // The torch the platform ran before: CUDA 12.4 wheels, kernels up to sm_90 (no B300).
  oldTorch = await worker(`${process.pid}-cu124`, {
    TORCH_VERSION: "2.6.0",
    TORCHVISION_VERSION: "0.21.0",
    TORCHAUDIO_VERSION: "2.6.0",
  });
  // The smoke test runs through `comfyume-builder smoke` in the builder image (cached layers
  // when builder-image.test.ts ran first).
  builder = await buildBuilderImage(
    stack().mirror,
    `comfyume-builder:smoke-${process.pid}`,
    resolveCaBundle(),
  );
}, 900_000);

afterAll(async () => {
  for (const name of containers) await docker(["rm", "-f", name]).catch(() => undefined); // already gone is fine
  for (const built of [image, oldTorch, builder]) {
    if (built) await docker(["rmi", built.tag]).catch(() => undefined); // another file may still use it; fine
  }
  await index?.close();
});

async function startContainer(env: Record<string, string>, args: string[] = []): Promise<string> {
  const name = `comfyume-worker-test-${process.pid}-${containers.length}`;
  containers.push(name);
  const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  await docker(["run", "-d", "--name", name, ...envArgs, image.tag, ...args]);
  return name;
}

/** The container's output: `docker logs` replays its stdout and stderr on the same streams. */
async function logsOf(name: string): Promise<string> {
  const result = await run([DOCKER, "logs", name], { keepLines: 400 });
  return [...result.stdout, ...result.stderr].join("\n");
}

describe("Dockerfile.worker", () => {
  it("installs the CUDA torch pinned from TORCH_INDEX_URL and pushes by digest", () => {
    expect(index.downloads).toEqual(
      expect.arrayContaining([
        "torch-2.7.1+cu128-py3-none-any.whl",
        "torchvision-0.22.1+cu128-py3-none-any.whl",
        "torchaudio-2.7.1+cu128-py3-none-any.whl",
      ]),
    );
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("has the image metadata the platform relies on", async () => {
    const config = JSON.parse(
      await docker(["image", "inspect", "--format", "{{json .Config}}", image.tag]),
    ) as {
      User: string;
      WorkingDir: string;
      ExposedPorts: Record<string, unknown>;
      Cmd: string[];
      Entrypoint: string[] | null;
      Healthcheck?: { Test: string[] };
    };
    expect(config.User).toBe("comfyuser");
    expect(config.WorkingDir).toBe("/workspace/ComfyUI");
    expect(Object.keys(config.ExposedPorts)).toContain("8188/tcp");
    expect(config.Cmd).toEqual(["/workspace/start-worker.sh"]);
    // No entrypoint: the serverless command override must replace the command outright.
    expect(config.Entrypoint ?? []).toEqual([]);
    expect(config.Healthcheck?.Test.join(" ")).toContain("http://127.0.0.1:8188/");
  });

  it("falls back to --cpu without a GPU, says so, and serves on 8188", async () => {
    const name = await startContainer({}, ["/workspace/start-worker.sh", "--preview-method", "auto"]);
    const logs = await waitFor(
      async () => {
        const text = await logsOf(name);
        return text.includes("To see the GUI") ? text : undefined;
      },
      { timeoutMs: 30_000, what: "the stand-in ComfyUI to start" },
    );
    expect(logs).toContain("no GPU detected (nvidia-smi missing or no device): falling back to --cpu");
    expect(logs).toContain(
      'device=cpu argv=["--listen", "0.0.0.0", "--port", "8188", "--cpu", "--preview-method", "auto"]',
    );
    const body = await waitFor(
      () => docker(["exec", name, "curl", "-fsS", "http://127.0.0.1:8188/"]).catch(() => undefined),
      { timeoutMs: 15_000, what: "ComfyUI to answer on 8188" },
    );
    expect(JSON.parse(body)).toMatchObject({ device: "cpu" });
  });

  it("runs UI-only with --cpu in COMFYUI_MODE=frontend-testing and rejects unknown modes", async () => {
    const ui = await startContainer({ COMFYUI_MODE: "frontend-testing" });
    const logs = await waitFor(
      async () => {
        const text = await logsOf(ui);
        return text.includes("To see the GUI") ? text : undefined;
      },
      { timeoutMs: 30_000, what: "frontend-testing mode to start" },
    );
    expect(logs).toContain("COMFYUI_MODE=frontend-testing: UI only, starting with --cpu");
    const bad = await startContainer({ COMFYUI_MODE: "dual-server" });
    const state = await waitFor(
      async () => {
        const s = await docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", bad]);
        return s.startsWith("exited") ? s : undefined;
      },
      { timeoutMs: 15_000, what: "the bad-mode container to exit" },
    );
    expect(state).toBe("exited 2");
    expect(await logsOf(bad)).toContain(
      'COMFYUI_MODE="dual-server" is not a mode; use worker or frontend-testing',
    );
  });

  it("keeps torch pinned: a later pip install cannot replace the CUDA wheel", async () => {
    const out = await docker([
      "run",
      "--rm",
      image.tag,
      "sh",
      "-c",
      'cat "$PIP_CONSTRAINT"; python3 -c "import torch; print(torch.__version__, torch.version.cuda)"',
    ]);
    expect(out).toContain("torch==2.7.1");
    expect(out).toContain("2.7.1+cu128 12.8");
  });

  it("has the platform's worker files, and runs its queue worker in SERVER_MODE=dual", async () => {
    const files = await docker([
      "run",
      "--rm",
      image.tag,
      "sh",
      "-c",
      "ls /workspace; cat /workspace/ComfyUI/extra_model_paths.yaml",
    ]);
    expect(files).toContain("worker.py");
    expect(files).toContain("vram_monitor.py");
    expect(files).toContain("base_path: /models/");
    const dual = await startContainer({ SERVER_MODE: "dual" });
    const logs = await waitFor(
      async () => {
        const text = await logsOf(dual);
        return text.includes("queue worker stand-in: started") && text.includes("To see the GUI")
          ? text
          : undefined;
      },
      { timeoutMs: 30_000, what: "ComfyUI and the queue worker to start" },
    );
    expect(logs).toContain("SERVER_MODE=dual: starting ComfyUI, then the queue worker /workspace/worker.py");
  });

  it("passes smoke/worker.yaml through `comfyume-builder smoke`, inside BuildKit, by digest", async () => {
    const result = await smoke(image);
    const out = result.stderr.join("\n");
    expect(result.exitCode, out).toBe(0);
    expect(out).toContain("PASS torch is a CUDA build");
    expect(out).toContain("PASS torch has kernels for the H200 (sm_90) and the B300 (sm_100 family)");
    expect(out).toContain("PASS ComfyUI starts on the CPU (main.py --cpu --quick-test-for-ci)");
    expect(out).toContain("PASS ComfyUI imports in CPU mode");
    expect(out).toMatch(/\d+ passed, 0 failed/);
  });

  it("fails smoke/worker.yaml with a torch that has no sm_100 kernels (cu124)", async () => {
    const result = await smoke(oldTorch);
    const out = result.stderr.join("\n");
    expect(result.exitCode, out).toBe(3);
    expect(out).toContain("FAIL torch has kernels for the H200 (sm_90) and the B300 (sm_100 family)");
    expect(out).toContain("exit code was 1, expected 0");
    expect(out).toMatch(/\d+ passed, 1 failed/);
  });
});

/** `comfyume-builder smoke` of smoke/worker.yaml against `built` by digest, in the builder image (exit 3: a test failed). */
async function smoke(built: BuiltImage) {
  const socket = stack().dockerHost.replace(/^unix:\/\//, "");
  const ref = `${built.tag.replace(/:[^:/]+$/, "")}@${built.digest}`;
  return run(
    [
      DOCKER,
      "run",
      "--rm",
      "--network",
      "host",
      "--group-add",
      String(statSync(socket).gid),
      "-v",
      `${socket}:/var/run/docker.sock`,
      "-e",
      "BUILDER_CONFIG=/app/deploy/builder.config.json",
      builder.tag,
      "comfyume-builder",
      "smoke",
      ref,
      "--file",
      "/app/smoke/worker.yaml",
    ],
    { keepLines: 200 },
  );
}
