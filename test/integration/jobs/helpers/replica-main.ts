// A replica in its own process, so a test can SIGKILL it like a vanished serverless
// replica: `node --import tsx replica-main.ts <dataDir> <owner>`. Prints "ready".
import { createReplica } from "./replica.js";

const [dataDir, owner] = process.argv.slice(2);
if (!dataDir || !owner) throw new Error("usage: replica-main.ts <dataDir> <owner>");
const service = createReplica(dataDir, owner);
service.start();
process.stdout.write("ready\n");
