// Run in a separate node process (node --import tsx) by the follow test: appends
// `count` lines to a build's log through its own FileBuildStore, waiting after each
// until the parent's follower acknowledges it (an ack file), then marks the build
// succeeded. The handshake proves the follower sees lines live, not at the end.
import { access } from "node:fs/promises";
import path from "node:path";
import { waitFor } from "../../helpers/wait-for.js";
import { FileBuildStore } from "../../../builder/src/store/file-build-store.js";

const [dataDir, id, countText] = process.argv.slice(2);
if (!dataDir || !id || !countText) throw new Error("usage: append-from-child.ts DATA_DIR BUILD_ID COUNT");

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

const store = new FileBuildStore(dataDir);
for (let i = 1; i <= Number(countText); i++) {
  const [line] = await store.appendLog(id, [
    { stream: "stdout", line: `child line ${i} pid ${process.pid}` },
  ]);
  process.stdout.write(`appended ${line!.seq}\n`);
  const ack = path.join(dataDir, `ack-${line!.seq}`);
  await waitFor(() => exists(ack), { intervalMs: 10, what: ack });
}
await store.update(id, (r) => {
  r.status = "succeeded";
  r.finishedAt = new Date().toISOString();
});
process.stdout.write("done\n");
