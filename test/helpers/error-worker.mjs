// A worker thread that throws every error of the family and sends each back the way the search workers do
// (src/retrieval/search-thread.ts): serialized, through postMessage's structured clone.
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { errorSamples } = await import("./error-samples.ts");
const { serializeError } = await import("../../src/retrieval/search-pool.ts");
parentPort.postMessage(errorSamples().map((e) => serializeError(e)));
