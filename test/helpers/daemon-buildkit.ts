// The stack dockerd's own BuildKit as a buildx `remote` builder. dockerd serves BuildKit's
// gRPC API behind an HTTP upgrade on `POST /grpc` (what buildx's docker driver speaks);
// this small proxy does that upgrade per connection and then pipes bytes, so
// `docker buildx create --driver remote unix://SOCK` reaches a real BuildKit through a
// non-docker driver. Tests use it for what buildx allows only on such drivers
// (push-by-digest) without a BuildKit image, which cannot be pulled here.
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { runChecked } from "../../builder/src/process/spawn.js";

export interface DaemonBuildkit {
  /** The builder's name in `dockerConfig`. */
  builder: string;
  /** A DOCKER_CONFIG directory that has the builder (point the builder's env at it). */
  dockerConfig: string;
  close(): Promise<void>;
}

export async function startDaemonBuildkit(dockerSocket: string): Promise<DaemonBuildkit> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "daemon-buildkit-"));
  const socket = path.join(dir, "buildkit.sock");
  const server = net.createServer((client) => {
    const daemon = net.connect(dockerSocket, () => {
      daemon.write("POST /grpc HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
    });
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      daemon.off("data", onHead);
      if (!head.subarray(0, end).toString().startsWith("HTTP/1.1 101")) {
        client.destroy(new Error(`dockerd refused the /grpc upgrade: ${head.subarray(0, end).toString()}`));
        daemon.destroy();
        return;
      }
      client.write(head.subarray(end + 4));
      client.pipe(daemon);
      daemon.pipe(client);
    };
    daemon.on("data", onHead);
    daemon.on("error", () => client.destroy());
    client.on("error", () => daemon.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  const builder = `daemon-bk-${path.basename(dir).slice(-6).toLowerCase()}`;
  const dockerConfig = path.join(dir, "docker-config");
  const env = { ...process.env, DOCKER_CONFIG: dockerConfig };
  await runChecked(
    ["/usr/bin/docker", "buildx", "create", "--name", builder, "--driver", "remote", `unix://${socket}`],
    {
      env,
    },
  );
  return {
    builder,
    dockerConfig,
    async close() {
      await runChecked(["/usr/bin/docker", "buildx", "rm", builder], { env }).catch(() => undefined); // the dir goes anyway
      server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
