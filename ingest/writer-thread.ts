import { parentPort, workerData } from "node:worker_threads";
import type { Config } from "../src/config.js";
import { createHostPool } from "../src/ollama/host-pool.js";
import { serializeError } from "../src/retrieval/search-pool.js";
import { openIndex } from "../src/store/open-index.js";
import { lowerThreadPriority } from "../src/thread-priority.js";
import { createIndexWriter } from "./index-writer.js";
import type { FromWriter, ToWriter } from "./threaded-writer.js";

/**
 * The index writer of a running server, on a thread of its own (threaded-writer.ts): reading, parsing,
 * OCR, chunking, full-text terms and the SQLite writes all happen here, so searches and answers on the
 * main thread are not held up by an upload or a watched folder. It has its own read-write connection;
 * SQLite's WAL lets the server's readers go on meanwhile.
 */
const port = parentPort;
if (!port) throw new Error("writer-thread.ts runs as a worker thread only");
const { config } = workerData as { config: Config };
// Searches come first: when both want a core, the writer waits (docs/performance.md, row 6).
lowerThreadPriority();
const post = (message: FromWriter) => port.postMessage(message);

const store = await openIndex(config.db);
const writer = createIndexWriter({
  config,
  store,
  // A pool of its own: the service's in-flight counts live on the main thread.
  client: createHostPool(config),
  onEvent: (event) => post({ type: "event", event }),
  onMove: (from, to) => post({ type: "move", from, to }),
  warn: (message) => post({ type: "warn", message }),
});

port.on("message", async (message: ToWriter) => {
  if (message.type === "close") {
    await store.close();
    port.close();
    return;
  }
  try {
    const result =
      message.type === "ingestFile" ? await writer.ingestFile(message.path) : await writer.sync(message.path);
    post({ type: "done", id: message.id, result });
  } catch (e) {
    post({ type: "failed", id: message.id, error: serializeError(e) });
  }
});
