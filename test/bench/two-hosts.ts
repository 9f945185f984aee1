import path from "node:path";
import { pathToFileURL } from "node:url";
import { ingest } from "../../ingest/pipeline.js";
import { loadConfig } from "../../src/config.js";
import { createOllamaEmbedder } from "../../src/embedding/ollama-embedder.js";
import { createHostPool } from "../../src/ollama/host-pool.js";
import { openStore } from "../../src/store/store.js";
import { tempDir } from "../helpers/tmp.js";
import { writeCorpus } from "./corpus.js";
import { round } from "./measure.js";
import { startSlowStandIn } from "./slow-stand-in.js";

/**
 * Section 7: the same corpus embedded through one host and through two (OLLAMA_HOST with two entries), each
 * host a slow stand-in in its own process that works through /api/embed requests one at a time, as one
 * model runner does. The model is the bottleneck, so two hosts should take about half the time.
 * `npx tsx test/bench/two-hosts.ts [chunks]` runs this section alone.
 */
export interface TwoHosts {
  delayMs: number;
  perInputDelayMs: number;
  chunks: number;
  /** GROUNDED_EMBED_CONCURRENCY: requests in flight per host. */
  concurrency: number;
  oneHostSeconds: number;
  twoHostsSeconds: number;
  /** How many times faster two hosts were than one. */
  speedup: number;
  /** /api/embed requests each host answered in the two-host run. */
  requestsPerHost: number[];
}

async function timedIngest(docs: string, db: string, hosts: string[]) {
  const config = loadConfig({ GROUNDED_DB: db, OLLAMA_HOST: hosts.join(",") });
  const pool = createHostPool(config);
  const embedder = createOllamaEmbedder({ client: pool, model: "bge-m3", host: pool.host });
  await embedder.info(); // cached: the timed run below sends only /api/embed
  const store = openStore(config.db);
  try {
    // Embedding alone: the calibration's pseudo-question requests are not part of it.
    const summary = await ingest({ store, embedder, config }, { roots: [docs], calibrate: false });
    return { summary, concurrency: config.embedConcurrency };
  } finally {
    await store.close();
  }
}

export async function twoHosts(targetChunks: number, delayMs = 20, perInputDelayMs = 2): Promise<TwoHosts> {
  const tmp = tempDir("grounded-bench-");
  try {
    const docs = path.join(tmp.dir, "library");
    writeCorpus(docs, targetChunks, 99);
    const alone = await startSlowStandIn(delayMs, perInputDelayMs, true);
    const one = await timedIngest(docs, path.join(tmp.dir, "one.db"), [alone.url]).finally(() =>
      alone.stop(),
    );
    const pair = await Promise.all([
      startSlowStandIn(delayMs, perInputDelayMs, true),
      startSlowStandIn(delayMs, perInputDelayMs, true),
    ]);
    let requestsPerHost: number[] = [];
    const two = await timedIngest(
      docs,
      path.join(tmp.dir, "two.db"),
      pair.map((s) => s.url),
    ).finally(async () => {
      requestsPerHost = (await Promise.all(pair.map((s) => s.stop()))).map((sizes) => sizes.length);
    });
    return {
      delayMs,
      perInputDelayMs,
      chunks: two.summary.chunks,
      concurrency: two.concurrency,
      oneHostSeconds: round(one.summary.seconds, 2),
      twoHostsSeconds: round(two.summary.seconds, 2),
      speedup: round(one.summary.seconds / two.summary.seconds, 2),
      requestsPerHost,
    };
  } finally {
    tmp.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  twoHosts(Number(process.argv[2] ?? 3000)).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
