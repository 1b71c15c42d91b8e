// The trimmed undici loader against a small real HTTP server: the fast path must keep
// working with the installed undici (if it broke, start-up would silently get slower).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadParts, loadRequest } from "../../../trigger/src/http/undici-request.js";

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () =>
      res.writeHead(201, { "x-echo": req.headers["x-test"] ?? "" }).end(`${req.method} ${req.url} ${body}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("undici request loader", () => {
  it.each([
    ["the deep-import fast path", loadParts],
    ["the cached loader", loadRequest],
  ])("%s sends method, path, query, headers and body", async (_name, load) => {
    const request = await load();
    const res = await request(`${url}/v1/builds?target=quick&tag=a`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "hello",
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers["x-echo"]).toBe("yes");
    expect(await res.body.text()).toBe("POST /v1/builds?target=quick&tag=a hello");
  });
});
