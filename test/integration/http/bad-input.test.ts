// Over a thousand generated malformed requests against a real builder: bad JSON, wrong
// types, huge fields, injection strings in refs, tags, paths and args, hostile tar
// archives, truncated gzip, oversized bodies, bad HMACs and tampered replays. Every one
// must get a 4xx with the error envelope (never a 5xx), the process must stay up, nothing
// may be written outside the data dir, and no build record may be created.
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorEnvelopeSchema } from "../../../common/build-record.js";
import { buildRequestSchema } from "../../../common/build-request.js";
import { gitRefSchema } from "../../../common/values.js";
import {
  WEBHOOK_SECRET,
  createBuilderFixture,
  startBuilder,
  type BuilderFixture,
  type InProcessBuilder,
} from "../../helpers/builder-server.js";
import { HOSTILE, buildTar, gzip } from "./tar-fixtures.js";

let fx: BuilderFixture;
let b: InProcessBuilder;
const MAX_UPLOAD = 64 * 1024;
const MARK = `/tmp/comfyume-pwned-${process.pid}`;
beforeAll(async () => {
  fx = await createBuilderFixture();
  b = await startBuilder(fx, { env: { BUILDER_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
});
afterAll(async () => {
  await b?.stop();
  await fx?.cleanup();
});

interface Case {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

const INJECTIONS = [
  `--upload-pack=touch ${MARK}`,
  `-o${MARK}`,
  `$(touch ${MARK})`,
  `\`touch ${MARK}\``,
  `; touch ${MARK}`,
  `| touch ${MARK}`,
  "../../../../etc/passwd",
  "/etc/passwd",
  "a\nb",
  "a\u0000b",
  "a\rb",
  "\u001b[31mred",
  "a b",
  "..",
  "@{-1}",
  "x".repeat(5000),
  "-",
  "refs/heads/../../x",
  "C:\\windows",
  "%00",
  "${HOME}",
  "\u202e\u0085",
];

/** Deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function jsonCases(): Case[] {
  const cases: Case[] = [];
  const post = (name: string, body: string, extra: Record<string, string> = {}): Case => ({
    name,
    method: "POST",
    path: "/v1/builds",
    headers: { "content-type": "application/json", ...extra },
    body,
  });
  const good = JSON.stringify({ target: "quick", ref: "main", tags: ["a"], buildArgs: { A: "1" } });
  for (let i = 1; i < good.length; i += 2) cases.push(post(`truncated json ${i}`, good.slice(0, i)));
  const rnd = prng(42);
  for (let i = 0; i < 60; i++) {
    const bytes = Array.from({ length: 1 + Math.floor(rnd() * 200) }, () =>
      String.fromCharCode(Math.floor(rnd() * 256)),
    );
    cases.push(post(`random bytes ${i}`, bytes.join("")));
  }
  const wrong: unknown[] = [null, 1, -1, 1.5, true, "x", [], {}, [1], { a: 1 }, "", "true"];
  for (const field of ["target", "ref", "tags", "platforms", "buildArgs", "push", "smoke", "noCache"]) {
    for (const v of wrong) {
      const body = { target: "quick", [field]: v };
      // Only values the schema rejects: [] for tags or true for push are fine requests.
      if (!buildRequestSchema.safeParse(body).success)
        cases.push(post(`wrong type ${field}=${JSON.stringify(v)}`, JSON.stringify(body)));
    }
  }
  for (const bad of INJECTIONS) {
    cases.push(post(`injection target`, JSON.stringify({ target: bad })));
    if (!gitRefSchema.safeParse(bad).success)
      cases.push(post(`injection ref`, JSON.stringify({ target: "quick", ref: bad })));
    cases.push(post(`injection tag`, JSON.stringify({ target: "quick", tags: [bad] })));
    cases.push(post(`injection platform`, JSON.stringify({ target: "quick", platforms: [bad] })));
    cases.push(post(`injection arg name`, JSON.stringify({ target: "quick", buildArgs: { [bad]: "v" } })));
    if (/[\u0000-\u001f\u007f-\u009f]/.test(bad) || bad.length > 4096) {
      cases.push(post(`injection arg value`, JSON.stringify({ target: "quick", buildArgs: { A: bad } })));
    }
  }
  cases.push(post("huge ref", JSON.stringify({ target: "quick", ref: "r".repeat(100_000) })));
  cases.push(
    post(
      "many tags",
      JSON.stringify({ target: "quick", tags: Array.from({ length: 1000 }, (_, i) => `t${i}`) }),
    ),
  );
  cases.push(
    post(
      "many args",
      JSON.stringify({
        target: "quick",
        buildArgs: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`A${i}`, "v"])),
      }),
    ),
  );
  cases.push(post("huge body", JSON.stringify({ target: "quick", buildArgs: { A: "x".repeat(400_000) } })));
  cases.push(post("unknown target", JSON.stringify({ target: "nosuchtarget" })));
  cases.push(post("extra field", JSON.stringify({ target: "quick", dockerfile: "/etc/passwd" })));
  cases.push(post("bad idempotency key", good, { "idempotency-key": "a b" }));
  cases.push(post("long idempotency key", good, { "idempotency-key": "k".repeat(300) }));
  cases.push(post("bad wait", good.replace("quick", "quick"), {}));
  cases[cases.length - 1]!.path = "/v1/builds?wait=maybe";
  cases.push({
    name: "csv body",
    method: "POST",
    path: "/v1/builds",
    headers: { "content-type": "text/csv" },
    body: "a,b",
  });
  cases.push({
    name: "form body",
    method: "POST",
    path: "/v1/builds",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "target=quick",
  });
  return cases;
}

function queryCases(): Case[] {
  const cases: Case[] = [];
  const up = (name: string, query: string): Case => ({
    name,
    method: "POST",
    path: `/v1/builds?${query}`,
    headers: { "content-type": "application/x-tar" },
    body: "",
  });
  for (const bad of INJECTIONS) {
    const e = encodeURIComponent(bad);
    for (const p of ["target", "ref", "tag", "platform"])
      cases.push(
        up(
          `upload query ${p}`,
          `target=upload&${p === "target" ? "" : `${p}=`}${p === "target" ? `target=${e}` : e}`,
        ),
      );
    cases.push(up("upload buildArg name", `target=upload&buildArg=${e}%3Dv`));
    cases.push(up("upload flag", `target=upload&push=${e}`));
  }
  cases.push(up("upload unknown param", "target=upload&dockerfile=/etc/passwd"));
  cases.push(up("upload no target", "push=true"));
  cases.push(up("upload with an empty body", "target=upload"));
  return cases;
}

async function archiveCases(): Promise<Case[]> {
  const cases: Case[] = [];
  const upload = (name: string, body: Uint8Array, type = "application/x-tar"): Case => ({
    name,
    method: "POST",
    path: "/v1/builds?target=upload&smoke=false",
    headers: { "content-type": type },
    body,
  });
  for (const [name, entries] of Object.entries(HOSTILE)) {
    const tarball = await buildTar([{ name: "Dockerfile", body: "FROM scratch\n" }, ...entries]);
    cases.push(upload(`tar ${name}`, tarball));
    cases.push(upload(`gzip ${name}`, gzip(tarball), "application/gzip"));
  }
  const good = gzip(
    await buildTar([
      { name: "Dockerfile", body: "FROM scratch\n" },
      { name: "f", body: "x".repeat(5000) },
    ]),
  );
  for (let cut = 1; cut < good.length; cut += Math.max(1, Math.floor(good.length / 25))) {
    cases.push(upload(`truncated gzip ${cut}`, good.subarray(0, cut), "application/gzip"));
  }
  const rnd = prng(7);
  for (let i = 0; i < 20; i++) {
    cases.push(
      upload(
        `garbage ${i}`,
        Uint8Array.from({ length: 600 + i * 37 }, () => Math.floor(rnd() * 256)),
      ),
    );
  }
  cases.push(upload("oversized", new Uint8Array(MAX_UPLOAD + 1)));
  return cases;
}

function pathCases(): Case[] {
  const cases: Case[] = [];
  for (const bad of INJECTIONS.filter((x) => !/[\u0000\r\n]/.test(x))) {
    const e = encodeURIComponent(bad);
    for (const suffix of ["", "/logs", "/cancel", "/retry"]) {
      cases.push({
        name: `id ${suffix}`,
        method: suffix === "/cancel" || suffix === "/retry" ? "POST" : "GET",
        path: `/v1/builds/${e}${suffix}`,
      });
    }
    cases.push({ name: "list target", method: "GET", path: `/v1/builds?target=${e}` });
    cases.push({ name: "list cursor", method: "GET", path: `/v1/builds?cursor=${e}${"c".repeat(600)}` });
    cases.push({ name: "logs after", method: "GET", path: `/v1/builds/b_x/logs?after=${e}` });
  }
  for (const q of [
    "limit=0",
    "limit=-5",
    "limit=501",
    "limit=1e3",
    "limit=",
    "status=done",
    "status=",
    "foo=bar",
  ]) {
    cases.push({ name: `list ${q}`, method: "GET", path: `/v1/builds?${q}` });
  }
  cases.push({ name: "missing build", method: "GET", path: "/v1/builds/b_01JD000000000000000000000" });
  cases.push({
    name: "missing build logs sse",
    method: "GET",
    path: "/v1/builds/b_missing/logs",
    headers: { accept: "text/event-stream", "last-event-id": "1" },
  });
  cases.push({
    name: "bad last-event-id",
    method: "GET",
    path: "/v1/builds/b_missing/logs",
    headers: { accept: "text/event-stream", "last-event-id": "-1" },
  });
  for (const p of [
    "/v1",
    "/v1/nothing",
    "/v1/builds/x/y/z",
    "/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/v1/targets/x",
  ]) {
    cases.push({ name: `unknown ${p}`, method: "GET", path: p });
  }
  for (const m of ["PUT", "DELETE", "PATCH"])
    cases.push({ name: `method ${m}`, method: m, path: "/v1/builds" });
  return cases;
}

function hookCases(): Case[] {
  const cases: Case[] = [];
  const body = JSON.stringify({
    ref: "refs/heads/main",
    after: "a".repeat(40),
    repository: { full_name: "x/y" },
  });
  const sign = (b: string, secret = WEBHOOK_SECRET) =>
    `sha256=${createHmac("sha256", secret).update(b).digest("hex")}`;
  const hook = (name: string, headers: Record<string, string>, b = body): Case => ({
    name,
    method: "POST",
    path: "/v1/hooks/github",
    headers: { "content-type": "application/json", "x-github-event": "push", ...headers },
    body: b,
  });
  const rnd = prng(99);
  for (let i = 0; i < 60; i++) {
    const hex = Array.from({ length: 64 }, () => Math.floor(rnd() * 16).toString(16)).join("");
    cases.push(
      hook(`random hmac ${i}`, { "x-hub-signature-256": `sha256=${hex}`, "x-github-delivery": `d-${i}` }),
    );
  }
  for (const sig of [
    "",
    "sha256=",
    "sha1=abc",
    sign(body, "wrong"),
    sign(body).toUpperCase(),
    `${sign(body)}00`,
    "sha256=" + "g".repeat(64),
  ]) {
    cases.push(
      hook(`bad signature ${sig.slice(0, 12)}`, { "x-hub-signature-256": sig, "x-github-delivery": "d-sig" }),
    );
  }
  // Replays of a delivery with a tampered body (the signature is of the original).
  for (let i = 0; i < 20; i++) {
    cases.push(
      hook(
        `tampered replay ${i}`,
        { "x-hub-signature-256": sign(body), "x-github-delivery": "d-replay" },
        body.replace("main", `main${i}`),
      ),
    );
  }
  cases.push(hook("no delivery", { "x-hub-signature-256": sign(body), "x-github-delivery": "" }));
  cases.push(hook("bad delivery", { "x-hub-signature-256": sign(body), "x-github-delivery": "d;rm -rf /" }));
  cases.push(
    hook("bad event", {
      "x-hub-signature-256": sign(body),
      "x-github-delivery": "d-e",
      "x-github-event": "Push$(id)",
    }),
  );
  for (const bad of ["[]", "null", "1", "{", '"x"'])
    cases.push(
      hook(`signed non-object ${bad}`, { "x-hub-signature-256": sign(bad), "x-github-delivery": "d-o" }, bad),
    );
  const schedule = (name: string, b: string): Case => ({
    name,
    method: "POST",
    path: "/v1/hooks/schedule",
    headers: { "content-type": "application/json" },
    body: b,
  });
  for (const bad of INJECTIONS) {
    cases.push(schedule("schedule target", JSON.stringify({ targets: [bad] })));
    if (!gitRefSchema.safeParse(bad).success)
      cases.push(schedule("schedule ref", JSON.stringify({ ref: bad })));
  }
  cases.push(schedule("schedule unknown target", JSON.stringify({ targets: ["nosuch"] })));
  cases.push(schedule("schedule wrong type", JSON.stringify({ targets: "quick" })));
  return cases;
}

function authCases(base: Case[]): Case[] {
  return base
    .filter((_, i) => i % 3 === 0)
    .map((c, i) => ({
      ...c,
      name: `unauthenticated ${c.name}`,
      headers: {
        ...c.headers,
        ...(i % 2 ? { authorization: "Bearer not-the-token-000000" } : { "x-builder-token": "" }),
      },
      skipAuth: true,
    }));
}

async function send(c: Case & { skipAuth?: boolean }): Promise<{ status: number; body: string }> {
  const headers = { ...(c.skipAuth || c.path.startsWith("/v1/hooks/github") ? {} : b.api), ...c.headers };
  const res = await fetch(`${b.url}${c.path}`, {
    method: c.method,
    headers,
    ...(c.body !== undefined && c.method !== "GET" ? { body: c.body as BodyInit } : {}),
  });
  return { status: res.status, body: await res.text() };
}

describe("bad input", () => {
  it("≥ 1,000 malformed requests: all 4xx with the envelope, the builder stays up, no build, nothing outside the data dir", async () => {
    // The builder's own dirs (data, cache) may appear; nothing else may.
    const own = new Set([path.basename(fx.dataDir), path.basename(fx.cacheDir)]);
    const outside = async () => (await readdir(fx.root)).filter((n) => !own.has(n)).sort();
    const rootBefore = await outside();
    const tmpBefore = (await readdir("/tmp")).filter((n) => n.includes("evil") || n.includes("pwned")).sort();
    const base = [...jsonCases(), ...queryCases(), ...(await archiveCases()), ...pathCases(), ...hookCases()];
    const cases = [...base, ...authCases(base)];
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 16) {
      const batch = cases.slice(i, i + 16);
      const results = await Promise.all(batch.map(send));
      results.forEach((r, j) => {
        const c = batch[j]!;
        let envelopeOk = false;
        try {
          envelopeOk = errorEnvelopeSchema.safeParse(JSON.parse(r.body)).success;
        } catch {
          envelopeOk = false;
        }
        if (r.status < 400 || r.status > 499 || !envelopeOk)
          failures.push(`${c.name} ${c.method} ${c.path.slice(0, 80)} → ${r.status} ${r.body.slice(0, 160)}`);
      });
    }
    expect(failures, failures.slice(0, 20).join("\n")).toEqual([]);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    const builds = (await (await fetch(`${b.url}/v1/builds?limit=500`, { headers: b.read })).json()) as {
      builds: unknown[];
    };
    expect(builds.builds).toEqual([]);
    expect(existsSync(MARK)).toBe(false);
    expect((await readdir("/tmp")).filter((n) => n.includes("evil") || n.includes("pwned")).sort()).toEqual(
      tmpBefore,
    );
    expect(await outside()).toEqual(rootBefore);
    for (const leak of ["evil", "../evil", "out", "h", "null", "pipe"])
      expect(existsSync(path.join(fx.dataDir, leak))).toBe(false);
    const uploads = await readdir(path.join(fx.dataDir, "uploads")).catch(() => []);
    expect(uploads).toEqual([]);
  });
});
