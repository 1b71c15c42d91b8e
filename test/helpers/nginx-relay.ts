// Runs the committed nginx relay (deploy/nginx/builder-relay*.conf and builder-relay.js) in
// a real nginx (Debian's, installed by scripts/stack/install-packages.sh) on a loopback
// port: a generated nginx.conf stands in for the app server's, with its workshop-wide HTTP
// Basic auth on the server as comfyume-v1 has it, and includes the relay files as they are
// committed except for the places an install fills in (the builder's address, the key
// file, the ack socket, the script's path), which are replaced as text. Every replaced
// place must be found, so the relay cannot drift from what is tested.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, connect } from "node:net";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NGINX = "/usr/sbin/nginx";
const JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so";

export const PRODUCTION_BUILDER = "https://containers.datacrunch.io/comfyume-builder";
const ACK_SOCKET = "/run/nginx-comfyume-builder-ack.sock";
const KEY_FILE = "/etc/nginx/secrets/verda-inference-key.conf";
const SCRIPT = "/etc/nginx/comfyume-builder/builder-relay.js";

export interface NginxRelay {
  /** http://127.0.0.1:<port> — the app server. */
  url: string;
  /** nginx's error log so far (the relay script logs each delivery's outcome there). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** Replaces every occurrence of each `from`, failing if one is missing. */
function fill(text: string, file: string, places: [string, string][]): string {
  for (const [from, to] of places) {
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${from}; update the relay test`);
    text = text.split(from).join(to);
  }
  return text;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => resolve(Boolean(s.destroy())));
    s.once("error", () => resolve(false));
  });
}

/**
 * nginx with the relay in front of `builderUrl` (what replaces the production
 * https://containers.datacrunch.io/comfyume-builder, e.g. a gateway stand-in's URL).
 */
export async function startNginxRelay(opts: {
  builderUrl: string;
  inferenceKey: string;
}): Promise<NginxRelay> {
  for (const [file, what] of [
    [NGINX, "nginx"],
    [JS_MODULE, "nginx's JavaScript module (libnginx-mod-http-js)"],
  ] as const) {
    if (!existsSync(file)) {
      throw new Error(
        `${file} is missing: ${what} is not installed; run bash scripts/stack/install-packages.sh`,
      );
    }
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "nginx-relay-"));
  // nginx's workers run as another user: they need to reach the ack socket in here.
  await chmod(dir, 0o755);
  const ack = path.join(dir, "ack.sock");
  const keyFile = path.join(dir, "verda-inference-key.conf");
  await writeFile(keyFile, `set $verda_inference_key "${opts.inferenceKey}";\n`, { mode: 0o600 });
  const httpPart = "deploy/nginx/builder-relay-http.conf";
  const serverPart = "deploy/nginx/builder-relay.conf";
  await writeFile(
    path.join(dir, "relay-http.conf"),
    fill(await readFile(path.join(ROOT, httpPart), "utf8"), httpPart, [
      [SCRIPT, path.join(ROOT, "deploy/nginx/builder-relay.js")],
      [ACK_SOCKET, ack],
    ]),
  );
  await writeFile(
    path.join(dir, "relay.conf"),
    fill(await readFile(path.join(ROOT, serverPart), "utf8"), serverPart, [
      [PRODUCTION_BUILDER, opts.builderUrl.replace(/\/$/, "")],
      [KEY_FILE, keyFile],
      [ACK_SOCKET, ack],
    ]),
  );
  // The workshop's users; the relay's locations must not ask for these.
  await writeFile(path.join(dir, "htpasswd"), "user001:$apr1$9uTRUwWq$7uk8OZuZnaqrbmPQhyAVc1\n");
  const port = await freePort();
  const user = os.userInfo().username;
  await writeFile(
    path.join(dir, "nginx.conf"),
    `daemon off;
worker_processes 1;
${process.getuid?.() === 0 ? `user ${user};` : ""}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
load_module ${JS_MODULE};
events { worker_connections 256; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/relay-http.conf;
  server {
    listen 127.0.0.1:${port};
    auth_basic "ComfyuME Workshop";
    auth_basic_user_file ${dir}/htpasswd;
    include ${dir}/relay.conf;
  }
}
`,
  );
  const args = ["-p", dir, "-c", path.join(dir, "nginx.conf"), "-e", path.join(dir, "error.log")];
  const child: ChildProcess = spawn(NGINX, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const errorLog = () => readFile(path.join(dir, "error.log"), "utf8").catch(() => "");
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      const log = await errorLog();
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start on port ${port}: ${output}${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    errorLog,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown: background deliveries still waiting end too.
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
