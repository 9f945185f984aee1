import { parentPort, workerData } from "node:worker_threads";
import { serializeError } from "../src/retrieval/search-pool.js";
import { openStore } from "../src/store/store.js";
import type { FromCommitThread, ToCommitThread } from "./threaded-commits.js";

/**
 * The thread that commits an ingest's finished documents (threaded-commits.ts): its own read-write
 * connection to the index file, one `replaceDocuments` at a time, in the order they arrive.
 */
const port = parentPort;
if (!port) throw new Error("commit-thread.ts runs as a worker thread only");
const store = openStore((workerData as { file: string }).file);
const post = (message: FromCommitThread) => port.postMessage(message);

post({ type: "ready" });
port.on("message", async (message: ToCommitThread) => {
  try {
    post({ type: "done", id: message.id, ids: await store.replaceDocuments(message.docs) });
  } catch (e) {
    post({ type: "failed", id: message.id, error: serializeError(e) });
  }
});
