import { parentPort, workerData } from "node:worker_threads";
import { openStore, type SqliteStore } from "../store/store.js";
import { warmVectorCodes } from "../store/vectors.js";
import { runSearchStep, searchIndex } from "./search-index.js";
import { type SearchWorkerData, serializeError, type ToWorker } from "./search-pool.js";

/** One search worker: its own read-only connection to the index, answering one search at a time. */
const { file, exactSearch } = workerData as SearchWorkerData;
const port = parentPort;
if (!port) throw new Error("search-thread.ts runs as a worker thread only");

let store: SqliteStore | undefined;
/** Opened on first use and again after a failure, so an index that appears later is picked up. */
const openedStore = (): SqliteStore => {
  store ??= openStore(file, { readonly: true, exactSearch });
  return store;
};
try {
  const opened = openedStore();
  if (!exactSearch) warmVectorCodes(opened.db);
} catch {
  // Reported to the request that needs the index.
}

port.postMessage({ ready: true });
port.on("message", async (message: ToWorker) => {
  if (message.kind === "crash") process.exit(70); // test hook: die as a native crash would
  try {
    const result =
      message.kind === "step"
        ? await runSearchStep(openedStore(), message.step)
        : await searchIndex(openedStore(), message.request);
    port.postMessage({ id: message.id, ok: true, result });
  } catch (e) {
    port.postMessage({ id: message.id, ok: false, error: serializeError(e) });
  }
});
