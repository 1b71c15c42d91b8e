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
    const command =
      [
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
      ].join(" ") + '; echo "cli exit=$?"';
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
    // Every phase line is on screen before the summary, in order. The smoke phase's end, the
    // backup's skip and the build's end come within milliseconds of each other, so only the
    // lines before them are required to show up on an earlier screen than the summary.
    const order = [
      "==> source started",
      "==> source succeeded in",
      "==> build started",
      "==> build succeeded in",
      "==> push started",
      "==> push succeeded in",
      "==> smoke started",
      "==> smoke succeeded in",
      "==> backup skipped",
    ];
    const final = screens[end]!;
    const positions = order.map((line) => final.indexOf(line));
    expect(
      positions.every((p) => p >= 0),
      JSON.stringify(positions),
    ).toBe(true);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    expect(positions.at(-1)!).toBeLessThan(final.search(summary));
    for (const line of order.slice(0, 7)) {
      expect(firstWith(line), `${line} only shown with the summary`).toBeLessThan(end);
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
    for (const line of ["==> build started", "==> build succeeded in", "==> smoke succeeded in"])
      expect(final.split(line).length - 1, line).toBe(1);
    expect(final).not.toMatch(/^… /m);
    // The shell around the CLI prints its exit code (pane_dead_status is not set on every tmux).
    const exit = await waitFor(async () => /^cli exit=(\d+)$/m.exec(await screen())?.[1], {
      what: "the CLI to exit",
    });
    expect(exit).toBe("0");
  });
});
