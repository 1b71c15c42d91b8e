import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePresentedToken, resolveAccess, safeEqual } from "../../../builder/src/http/auth.js";
import { ROUTES } from "../../../builder/src/http/route-table.js";
import { API_TOKEN, READ_TOKEN, createTestApp, type TestApp } from "./test-app.js";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("parsePresentedToken", () => {
  it.each([
    [{ authorization: "Bearer abc" }, { token: "abc", scheme: "bearer" }],
    [{ authorization: "bearer   abc " }, { token: "abc", scheme: "bearer" }],
    [
      { xBuilderToken: "x", authorization: "Bearer abc" },
      { token: "x", scheme: "x-builder-token" },
    ],
    [
      { xBuilderToken: "", authorization: "Bearer abc" },
      { token: "", scheme: "x-builder-token" },
    ],
    [{ authorization: basic("anyone", "pw:with:colons") }, { token: "pw:with:colons", scheme: "basic" }],
    [{ authorization: "Token abc" }, { token: undefined, scheme: "none" }],
    // Through the nginx relay: the gateway key in Authorization, the browser's Basic aside.
    [
      { xBuilderAuthorization: basic("op", "console-token"), authorization: "Bearer dc_key" },
      { token: "console-token", scheme: "basic" },
    ],
    [{}, { token: undefined, scheme: "none" }],
  ])("%j → %j", (headers, expected) => {
    expect(parsePresentedToken(headers)).toEqual(expected);
  });
});

describe("resolveAccess", () => {
  const tokens = { apiToken: API_TOKEN, readToken: READ_TOKEN };
  it.each([
    [API_TOKEN, "write"],
    [READ_TOKEN, "read"],
    [`${API_TOKEN}x`, undefined],
    [API_TOKEN.slice(0, -1), undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s → %s", (token, access) => {
    expect(resolveAccess(tokens, token)).toBe(access);
  });
  it("lets everything through when no token is configured (the server then binds loopback)", () => {
    expect(resolveAccess({}, undefined)).toBe("write");
  });
  it("compares secrets of different lengths without throwing", () => {
    expect(safeEqual("a", "a".repeat(1000))).toBe(false);
    expect(safeEqual("same", "same")).toBe(true);
  });
});

describe("auth on every route", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.cleanup());

  const concrete = (path: string) => path.replace(":id", "b_01JD0000000000000000000000");
  const protectedRoutes = ROUTES.filter((r) => r.access === "read" || r.access === "write");

  it.each(protectedRoutes.map((r) => [r.method, r.path] as const))(
    "%s %s: no token → 401 with WWW-Authenticate",
    async (method, path) => {
      const res = await t.app.request(concrete(path), { method: method.toUpperCase() });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^(Bearer|Basic) realm="comfyume-builder"/);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    },
  );

  it.each(protectedRoutes.map((r) => [r.method, r.path] as const))(
    "%s %s: wrong token → 401",
    async (method, path) => {
      const res = await t.app.request(concrete(path), {
        method: method.toUpperCase(),
        headers: { authorization: "Bearer wrong-token-0000000000" },
      });
      expect(res.status).toBe(401);
    },
  );

  it.each(protectedRoutes.filter((r) => r.access === "write").map((r) => [r.method, r.path] as const))(
    "%s %s: read token → 403 FORBIDDEN",
    async (method, path) => {
      const res = await t.app.request(concrete(path), {
        method: method.toUpperCase(),
        headers: { "x-builder-token": READ_TOKEN },
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    },
  );

  it.each(protectedRoutes.filter((r) => r.access === "read").map((r) => [r.method, r.path] as const))(
    "%s %s: read token is allowed (never 401/403)",
    async (method, path) => {
      const res = await t.app.request(concrete(path), {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${READ_TOKEN}` },
      });
      expect([401, 403]).not.toContain(res.status);
    },
  );

  it("X-Builder-Token is the only token checked when present: a valid Authorization beside a bad one is ignored", async () => {
    const res = await t.app.request("/v1/builds", {
      headers: { "x-builder-token": "bad-token-00000000000", authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(401);
    const ok = await t.app.request("/v1/builds", {
      headers: { "x-builder-token": READ_TOKEN, authorization: "Bearer dc_gateway_key" },
    });
    expect(ok.status).toBe(200);
  });

  it("the console accepts the read token as the HTTP Basic password with any user and challenges with Basic", async () => {
    const challenge = await t.app.request("/");
    expect(challenge.headers.get("www-authenticate")).toMatch(/^Basic /);
    const ok = await t.app.request("/", { headers: { authorization: basic("whoever", READ_TOKEN) } });
    expect(ok.status).toBe(200);
  });

  it.each(["/healthz", "/readyz", "/metrics"])("%s needs no token", async (path) => {
    expect((await t.app.request(path)).status).toBe(200);
  });

  it("the webhook route is not token-protected (it is HMAC-verified instead)", async () => {
    const res = await t.app.request("/v1/hooks/github", { method: "POST", body: "{}" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /X-Hub-Signature-256/,
    );
  });
});
