import { parentPort, workerData } from "node:worker_threads";
import { measureQuestions } from "../src/retrieval/calibration.js";
import { serializeError } from "../src/retrieval/search-pool.js";
import { openStore } from "../src/store/store.js";
import type { FromCommitThread, ToCommitThread } from "./threaded-commits.js";

/**
 * The thread that commits an ingest's finished documents (threaded-commits.ts): its own read-write
 * connection to the index file, one `replaceDocuments` at a time, in the order they arrive. At the end of
 * the run it measures half of the "not covered" calibration's pseudo-questions.
 */
const port = parentPort;
if (!port) throw new Error("commit-thread.ts runs as a worker thread only");
const store = openStore((workerData as { file: string }).file);
const post = (message: FromCommitThread) => port.postMessage(message);

/** The query vectors of calibration shares in progress, by request id. */
const vectorsFor = new Map<number, (vectors: Float32Array[] | null) => void>();

post({ type: "ready" });
port.on("message", async (message: ToCommitThread) => {
  try {
    if (message.type === "commit")
      post({ type: "done", id: message.id, ids: await store.replaceDocuments(message.docs) });
    else if (message.type === "vectors") vectorsFor.get(message.id)?.(message.vectors);
    else {
      const vectors = new Promise<Float32Array[] | null>((resolve) => vectorsFor.set(message.id, resolve));
      const share = await measureQuestions(store, message.questions, vectors);
      vectorsFor.delete(message.id);
      post({ type: "calibrated", id: message.id, share });
    }
  } catch (e) {
    vectorsFor.delete(message.id);
    post({ type: "failed", id: message.id, error: serializeError(e) });
  }
});
