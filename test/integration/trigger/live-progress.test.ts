// `comfyume-build submit` on a real terminal (tmux) against a real builder: each phase
// line appears while the build runs, not all together at its end, with a running timer
// on the last line that is gone once the summary is printed. The screen is read with
// `tmux capture-pane`, as a person watching it would see it.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_TOKEN,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { BUSYBOX } from "../../helpers/stack-env.js";
import { waitFor } from "../../helpers/wait-for.js";

const exec = promisify(execFile);
// Our own tmux server (socket), so nothing here touches anyone's sessions.
const SOCKET = `comfyume-test-${process.pid}`;
const tmux = (...args: string[]) => exec("tmux", ["-L", SOCKET, ...args]);

let fx: BuilderFixture;
let builder: InProcessBuilder;

/** A target of about 20 s: a build step printing a line every half second, then a smoke test. */
async function addPacedTarget(fixture: BuilderFixture): Promise<void> {
  const config = JSON.parse(await readFile(fixture.configFile, "utf8")) as {
    targets: Record<string, Record<string, unknown>>;
  };
  const dir = path.join(fixture.root, "src", "paced");
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "Dockerfile"),
    `FROM ${BUSYBOX()}\nARG NONCE=0\nRUN i=1; while [ $i -le 24 ]; do echo "paced $i of 24 ($NONCE)"; sleep 0.5; i=$((i+1)); done; echo ok > /built\n`,
  );
  await writeFile(
    path.join(dir, "smoke.yaml"),
    `schemaVersion: 2.0.0\ncommandTests:\n  - name: built\n    command: cat\n    args: ["/built"]\n    expectedOutput: ["ok"]\n`,
  );
  const quick = config.targets.quick!;
  config.targets.paced = {
    ...quick,
    context: "paced",
    dockerfile: "paced/Dockerfile",
    image: String(quick.image).replace(/\/quick$/, "/paced"),
    watch: ["paced/**"],
    schedule: false,
    smoke: "paced/smoke.yaml",
  };
  await writeFile(fixture.configFile, JSON.stringify(config, null, 2));
}

beforeAll(async () => {
  try {
    await exec("tmux", ["-V"]);
  } catch {
    throw new Error("tmux is not installed. Fix: apt-get install tmux (Debian's package).");
  }
  fx = await createBuilderFixture();
  await addPacedTarget(fx);
  builder = await startBuilder(fx);
});
afterAll(async () => {
  await tmux("kill-server").catch(() => undefined); // already gone when the session ended
  await builder?.stop();
  await fx?.cleanup();
});

describe("submit on a terminal", () => {
  it("shows each phase as it starts and ends, before the build ends, with a live timer", async () => {
    const nonce = randomUUID().slice(0, 8);
    const command = [
      "env",
      `BUILDER_URL=${builder.url}`,
      `BUILDER_TOKEN=${API_TOKEN}`,
      "TERM=xterm-256color",
      process.execPath,
      "--import",
      "tsx",
      path.resolve("trigger/src/main.ts"),
      "submit",
      "paced",
      `--build-arg=NONCE=${nonce}`,
    ].join(" ");
    await tmux("new-session", "-d", "-s", "cli", "-x", "200", "-y", "60", "-c", process.cwd());
    await tmux("set-option", "-t", "cli", "remain-on-exit", "on");
    await tmux("respawn-pane", "-k", "-t", "cli", command);
    const screens: string[] = [];
    const screen = async () => (await tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", "cli")).stdout;
    const summary = /Build b_\S+ succeeded in/;
    await waitFor(
      async () => {
        const s = await screen();
        screens.push(s);
        return summary.test(s);
      },
      { timeoutMs: 170_000, intervalMs: 100, what: "the summary on the terminal" },
    );
    const end = screens.findIndex((s) => summary.test(s));
    const firstWith = (text: string) => screens.findIndex((s) => s.includes(text));
    for (const line of [
      "==> source started",
      "==> source succeeded in",
      "==> build started",
      "==> build succeeded in",
      "==> push started",
      "==> push succeeded in",
      "==> smoke started",
      "==> smoke succeeded in",
    ]) {
      const at = firstWith(line);
      expect(at, `${line} never shown`).toBeGreaterThanOrEqual(0);
      expect(at, `${line} only shown with the summary`).toBeLessThan(end);
    }
    // Mid-build: the build phase has started, its first lines are out, its last are not.
    expect(
      screens.some(
        (s) =>
          s.includes("==> build started") && s.includes("paced 3 of 24") && !s.includes("paced 24 of 24"),
      ),
    ).toBe(true);
    // The smoke phase took seconds and was shown started all that time, before it ended.
    expect(firstWith("==> smoke started")).toBeLessThan(firstWith("==> smoke succeeded in"));
    // The footer's timer counted up while the build phase ran.
    const timers = screens.flatMap((s) =>
      [...s.matchAll(/… build (\d+) s · total/g)].map((m) => Number(m[1])),
    );
    expect(new Set(timers).size).toBeGreaterThan(3);
    expect(Math.max(...timers)).toBeGreaterThanOrEqual(8);
    // Each phase line once, and no footer left behind once it ended.
    const final = screens[end]!;
    for (const line of ["==> build started", "==> build succeeded in", "==> smoke succeeded in"])
      expect(final.split(line).length - 1, line).toBe(1);
    expect(final).not.toMatch(/^… /m);
    await waitFor(
      async () => (await tmux("display", "-p", "-t", "cli", "#{pane_dead}")).stdout.trim() === "1",
      {
        what: "the CLI to exit",
      },
    );
    expect((await tmux("display", "-p", "-t", "cli", "#{pane_dead_status}")).stdout.trim()).toBe("0");
  });
});
