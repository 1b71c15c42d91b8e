// A PEP 503 "simple" package index over loopback, serving the wheels in one directory.
// Stands in for https://download.pytorch.org/whl/cu124 (TORCH_INDEX_URL) and PyPI in the
// worker image build, which reaches it with `buildx build --network=host`.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface PackageIndex {
  /** e.g. http://127.0.0.1:41234/simple */
  url: string;
  /** Paths of the wheels pip downloaded, in order. */
  downloads: string[];
  close(): Promise<void>;
}

/** PEP 503 name normalisation: runs of -, _ and . become one -, lower case. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

interface Wheel {
  file: string;
  project: string;
  sha256: string;
  data: Buffer;
}

function readWheels(dir: string): Wheel[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".whl"))
    .map((file) => {
      const data = readFileSync(path.join(dir, file));
      return {
        file,
        project: normalizeName(file.split("-")[0]!),
        sha256: createHash("sha256").update(data).digest("hex"),
        data,
      };
    });
}

function page(title: string, links: string[]): string {
  return `<!DOCTYPE html><html><head><title>${title}</title></head><body>\n${links.join("<br>\n")}\n</body></html>\n`;
}

export async function startPackageIndex(wheelDir: string): Promise<PackageIndex> {
  const wheels = readWheels(wheelDir);
  const downloads: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const parts = url.pathname.split("/").filter(Boolean);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "Content-Type": type });
      res.end(body);
    };
    if (parts[0] === "simple" && parts.length === 1) {
      const projects = [...new Set(wheels.map((w) => w.project))];
      return send(
        200,
        "text/html",
        page(
          "Simple index",
          projects.map((p) => `<a href="/simple/${p}/">${p}</a>`),
        ),
      );
    }
    if (parts[0] === "simple" && parts.length === 2) {
      const mine = wheels.filter((w) => w.project === normalizeName(parts[1]!));
      if (mine.length === 0) return send(404, "text/plain", "not found");
      const links = mine.map(
        (w) => `<a href="/files/${encodeURIComponent(w.file)}#sha256=${w.sha256}">${w.file}</a>`,
      );
      return send(200, "text/html", page(`Links for ${parts[1]}`, links));
    }
    if (parts[0] === "files" && parts.length === 2) {
      const wheel = wheels.find((w) => w.file === decodeURIComponent(parts[1]!));
      if (!wheel) return send(404, "text/plain", "not found");
      downloads.push(wheel.file);
      return send(200, "application/octet-stream", wheel.data);
    }
    send(404, "text/plain", "not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    downloads,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
