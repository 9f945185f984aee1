import path from "node:path";
import { ingest } from "../../ingest/pipeline.js";
import { commitOnThread } from "../../ingest/threaded-commits.js";
import { loadConfig } from "../../src/config.js";
import type { Embedder } from "../../src/embedding/embedder.js";
import { createOllamaEmbedder } from "../../src/embedding/ollama-embedder.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { openStore } from "../../src/store/store.js";
import { tempDir } from "../helpers/tmp.js";
import { writeCorpus } from "./corpus.js";
import { peakRssMb, round } from "./measure.js";
import { startSlowStandIn } from "./slow-stand-in.js";

/** Sections 1, 2 and 5 (ingest side): the real pipeline on real files in a temp folder. */
export interface IngestOverhead {
  targetChunks: number;
  files: number;
  megabytes: number;
  chunks: number;
  seconds: number;
  chunksPerSecond: number;
  peakRssMb: number;
}

/**
 * An embedder that answers at once with one of a few fixed unit vectors, so the time measured is grounded's
 * own: walk, read, hash, load, chunk, batch, store (FTS terms, vectors and their codes), commit.
 */
function instantEmbedder(dimensions: number): Embedder {
  const pool = Array.from({ length: 61 }, (_, i) => {
    const v = new Float32Array(dimensions);
    for (let j = 0; j < dimensions; j++) v[j] = Math.sin((i + 1) * (j + 1) * 0.618);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
  return {
    kind: "ollama",
    model: "instant",
    info: async () => ({ model: "instant", dimensions, contextLength: 8192 }),
    embed: async (texts) => texts.map((t) => pool[t.length % pool.length] as Float32Array),
  };
}

export async function ingestOverhead(targetChunks: number, dimensions = 1024): Promise<IngestOverhead> {
  const tmp = tempDir("grounded-bench-");
  try {
    const docs = path.join(tmp.dir, "library");
    const written = writeCorpus(docs, targetChunks, targetChunks);
    const config = loadConfig({ GROUNDED_DB: path.join(tmp.dir, "index.db") });
    const store = openStore(config.db);
    // Committed on a thread of its own, as `grounded ingest` does (cli/commands/ingest.ts).
    const commits = commitOnThread(store);
    try {
      const summary = await ingest(
        {
          store: commits.store,
          embedder: instantEmbedder(dimensions),
          config,
          measureShare: commits.measureShare,
          commitsOffThread: commits.offThread,
        },
        { roots: [docs] },
      );
      return {
        targetChunks,
        files: written.files,
        megabytes: round(written.bytes / 1024 / 1024),
        chunks: summary.chunks,
        seconds: round(summary.seconds, 2),
        chunksPerSecond: Math.round(summary.chunks / summary.seconds),
        peakRssMb: peakRssMb(),
      };
    } finally {
      await commits.close();
      await store.close();
    }
  } finally {
    tmp.cleanup();
  }
}

export interface SlowModel {
  delayMs: number;
  perInputDelayMs: number;
  batchSize: number;
  concurrency: number;
  chunks: number;
  requests: number;
  expectedRequests: number;
  inputsPerRequest: number;
  wallSeconds: number;
  idealSeconds: number;
  ratio: number;
}

/** Section 2: the stand-in Ollama answering slowly (in its own process), through the real Ollama embedder. */
export async function slowModel(targetChunks: number, delayMs = 20, perInputDelayMs = 2): Promise<SlowModel> {
  const tmp = tempDir("grounded-bench-");
  const standIn = await startSlowStandIn(delayMs, perInputDelayMs);
  let stopped = false;
  try {
    const docs = path.join(tmp.dir, "library");
    writeCorpus(docs, targetChunks, 99);
    const config = loadConfig({ GROUNDED_DB: path.join(tmp.dir, "index.db"), OLLAMA_HOST: standIn.url });
    const client = createOllamaClient({ host: config.ollamaHost, timeoutMs: config.ollamaTimeoutMs });
    const embedder = createOllamaEmbedder({ client, model: "bge-m3", host: config.ollamaHost });
    await embedder.info(); // cached: the timed run below sends only /api/embed
    const store = openStore(config.db);
    let summary: Awaited<ReturnType<typeof ingest>>;
    // Committed on a thread of its own, as `grounded ingest` does (cli/commands/ingest.ts).
    const commits = commitOnThread(store);
    try {
      // Embedding batching alone: the calibration's pseudo-question requests are not part of it.
      summary = await ingest(
        { store: commits.store, embedder, config, commitsOffThread: commits.offThread },
        { roots: [docs], calibrate: false },
      );
    } finally {
      await commits.close();
      await store.close();
    }
    const inputs = await standIn.stop();
    stopped = true;
    const totalInputs = inputs.reduce((a, b) => a + b, 0);
    const modelMs = inputs.length * delayMs + totalInputs * perInputDelayMs;
    const idealSeconds = modelMs / config.embedConcurrency / 1000;
    return {
      delayMs,
      perInputDelayMs,
      batchSize: config.embedBatchSize,
      concurrency: config.embedConcurrency,
      chunks: summary.chunks,
      requests: inputs.length,
      expectedRequests: Math.ceil(summary.chunks / config.embedBatchSize),
      inputsPerRequest: round(totalInputs / Math.max(1, inputs.length)),
      wallSeconds: round(summary.seconds, 2),
      idealSeconds: round(idealSeconds, 2),
      ratio: round(summary.seconds / idealSeconds, 2),
    };
  } finally {
    if (!stopped) await standIn.stop();
    tmp.cleanup();
  }
}
