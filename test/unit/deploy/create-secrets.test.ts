// deploy/verda/create-secrets.sh against a stand-in of the Verda API that answers the way
// the Go SDK (verdacloud-sdk-go) expects: POST /oauth2/token (client credentials, JSON),
// GET /secrets, POST /secrets {"name","value"}, DELETE /secrets/<name>?force=true. curl
// runs through a shim that records its arguments: no value, token or client secret may be
// on a command line.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../../builder/src/process/spawn.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const SCRIPT = path.join(ROOT, "deploy/verda/create-secrets.sh");
const tmp = mkdtempSync(path.join(tmpdir(), "create-secrets-"));
const secretsDir = path.join(tmp, "secrets");
const argvLog = path.join(tmp, "curl-argv.log");
const CLIENT_SECRET = "client-secret-value-7f3a";
const ACCESS_TOKEN = "access-token-value-91bc";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body?: unknown;
}
let server: Server;
let base = "";
let seen: Seen[] = [];
let stored = new Map<string, string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      const entry: Seen = { method: req.method ?? "", url: req.url ?? "" };
      if (req.headers.authorization) entry.auth = req.headers.authorization;
      if (text) entry.body = JSON.parse(text) as unknown;
      seen.push(entry);
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const b = entry.body as Record<string, string> | undefined;
      if (req.method === "POST" && req.url === "/v1/oauth2/token") {
        if (
          b?.grant_type !== "client_credentials" ||
          b.client_id !== "client-id" ||
          b.client_secret !== CLIENT_SECRET
        )
          return json(401, { code: "unauthorized", message: "bad credentials" });
        return json(200, { access_token: ACCESS_TOKEN, token_type: "Bearer", expires_in: 3600 });
      }
      if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) return json(401, { message: "no token" });
      if (req.method === "GET" && req.url === "/v1/secrets")
        return json(
          200,
          [...stored.keys()].map((name) => ({
            name,
            created_at: "2026-01-01T00:00:00Z",
            secret_type: "generic",
          })),
        );
      if (req.method === "POST" && req.url === "/v1/secrets") {
        if (stored.has(b!.name!)) return json(409, { message: "exists" });
        stored.set(b!.name!, b!.value!);
        return json(201, {});
      }
      const del = /^\/v1\/secrets\/([a-z0-9-]+)\?force=true$/.exec(req.url ?? "");
      if (req.method === "DELETE" && del) {
        stored.delete(del[1]!);
        return res.writeHead(200).end();
      }
      json(404, { message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  // A curl on PATH that records its argv, then runs the real one.
  mkdirSync(path.join(tmp, "bin"));
  writeFileSync(
    path.join(tmp, "bin/curl"),
    `#!/bin/sh\nprintf '%s\\n' "$*" >>'${argvLog}'\nexec /usr/bin/curl "$@"\n`,
  );
  chmodSync(path.join(tmp, "bin/curl"), 0o755);
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  seen = [];
  stored = new Map();
  rmSync(secretsDir, { recursive: true, force: true });
  mkdirSync(path.join(secretsDir, "buildkit-tls"), { recursive: true });
  const files: Record<string, string> = {
    "api-token": "api-token-value-1\n",
    "read-token": "read-token-value-2\n",
    "webhook-secret": "webhook-value-3",
    "ghcr-token": "ghp_value4\n",
    "gh-token": "ghp_value5\n",
    "buildkit-tls/ca.pem": `${PEM}\n`,
    "buildkit-tls/cert.pem": `${PEM}\n`,
    "buildkit-tls/key.pem": `${PEM}\n`,
  };
  for (const [f, v] of Object.entries(files)) writeFileSync(path.join(secretsDir, f), v, { mode: 0o600 });
  rmSync(argvLog, { force: true });
});

function script(args: string[] = []) {
  return run(["bash", SCRIPT, "--dir", secretsDir, ...args], {
    env: {
      PATH: `${path.join(tmp, "bin")}:${process.env.PATH}`,
      HOME: tmp,
      VERDA_CLIENT_ID: "client-id",
      VERDA_CLIENT_SECRET: CLIENT_SECRET,
      VERDA_BASE_URL: base,
    },
    keepLines: 200,
  });
}

describe("deploy/verda/create-secrets.sh", () => {
  it("creates every secret from its file, named as tofu references them, values exact", async () => {
    const r = await script();
    expect(r.exitCode, r.stderr.join("\n")).toBe(0);
    expect(Object.fromEntries(stored)).toEqual({
      "comfyume-builder-api-token": "api-token-value-1",
      "comfyume-builder-read-token": "read-token-value-2",
      "comfyume-builder-webhook-secret": "webhook-value-3",
      "comfyume-builder-ghcr-token": "ghp_value4",
      "comfyume-builder-gh-token": "ghp_value5",
      "comfyume-builder-buildkit-tls-ca": PEM,
      "comfyume-builder-buildkit-tls-cert": PEM,
      "comfyume-builder-buildkit-tls-key": PEM,
    });
    expect(r.stdout.join("\n")).toContain("done: 8 created");
    // The defaults in variables.tf are these names.
    const vars = readFileSync(path.join(ROOT, "deploy/verda/variables.tf"), "utf8");
    for (const name of stored.keys()) if (!name.includes("buildkit")) expect(vars).toContain(`"${name}"`);
  });

  it("never puts a value, the token or the client secret on a command line", async () => {
    writeFileSync(path.join(secretsDir, "r2-access-key-id"), "r2-key-id-value\n");
    const r = await script();
    expect(r.exitCode).toBe(0);
    const argv = readFileSync(argvLog, "utf8");
    expect(argv.split("\n").filter(Boolean).length).toBeGreaterThan(5);
    for (const secret of [
      CLIENT_SECRET,
      ACCESS_TOKEN,
      "api-token-value-1",
      "ghp_value4",
      "r2-key-id-value",
      "BEGIN PRIVATE KEY",
    ])
      expect(argv).not.toContain(secret);
    expect(stored.get("comfyume-builder-r2-access-key-id")).toBe("r2-key-id-value");
  });

  it("leaves existing secrets alone, and rotates them with --replace", async () => {
    stored.set("comfyume-builder-api-token", "old");
    const kept = await script();
    expect(kept.stdout.join("\n")).toContain("exists: comfyume-builder-api-token (--replace rotates it)");
    expect(stored.get("comfyume-builder-api-token")).toBe("old");
    seen = [];
    const rotated = await script(["--replace"]);
    expect(rotated.exitCode).toBe(0);
    expect(stored.get("comfyume-builder-api-token")).toBe("api-token-value-1");
    expect(seen.filter((s) => s.method === "DELETE").map((s) => s.url)).toContain(
      "/v1/secrets/comfyume-builder-api-token?force=true",
    );
  });

  it("refuses to start without a required file, before calling the API", async () => {
    rmSync(path.join(secretsDir, "buildkit-tls/key.pem"));
    const r = await script();
    expect(r.exitCode).toBe(2);
    expect(r.stderr.join("\n")).toContain(`${secretsDir}/buildkit-tls/key.pem is missing or empty`);
    expect(seen).toEqual([]);
  });

  it("reports the API's answer when the credentials are wrong", async () => {
    const r = await run(["bash", SCRIPT, "--dir", secretsDir], {
      env: {
        PATH: process.env.PATH,
        HOME: tmp,
        VERDA_CLIENT_ID: "client-id",
        VERDA_CLIENT_SECRET: "wrong",
        VERDA_BASE_URL: base,
      },
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.join("\n")).toContain(`POST ${base}/oauth2/token answered HTTP 401`);
    expect(r.stderr.join("\n")).not.toContain("wrong");
    expect(stored.size).toBe(0);
  });
});
