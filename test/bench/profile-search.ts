import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { embedPrefixes } from "../../src/embedding/presets.js";
import { fuse, type Scored } from "../../src/retrieval/fusion.js";
import { proximityRerank } from "../../src/retrieval/proximity.js";
import { coverageScore } from "../../src/retrieval/relevance.js";
import { scoreBothSides, searchIndex } from "../../src/retrieval/search-index.js";
import { openStore } from "../../src/store/store.js";
import { buildFtsQuery } from "../../src/text/fts-query.js";
import { lexicalEmbedding } from "../stand-in/lexical-embedding.js";
import { syntheticQueries } from "./corpus.js";
import { median, round } from "./measure.js";
import { buildIndex } from "./serve-sections.js";
import { MODEL_FOR_DIMS } from "./synthetic-documents.js";

/**
 * Where a single search's time goes: `npx tsx test/bench/profile-search.ts [chunks] [dims]` (default
 * 100000 x 1024). Builds the index the way `npm run bench` does, cached in os.tmpdir() across runs, then
 * runs each query through the steps of searchIndex one by one (the same calls in the same order, timed
 * separately) and through searchIndex itself, and prints the median of each. Not a test.
 */
const chunks = Number(process.argv[2] ?? 100_000);
const dims = Number(process.argv[3] ?? 1024);
const file = path.join(os.tmpdir(), `grounded-profile-${chunks}-${dims}.db`);
if (!fs.existsSync(file)) {
  process.stderr.write(`building ${file} ...\n`);
  const tmp = `${file}.building`;
  fs.rmSync(tmp, { force: true });
  const { seconds } = await buildIndex(tmp, chunks, dims);
  fs.renameSync(tmp, file);
  for (const ext of ["-wal", "-shm"]) fs.rmSync(`${tmp}${ext}`, { force: true });
  process.stderr.write(`built in ${seconds} s\n`);
}

const store = openStore(file, { readonly: true });
const prefix = embedPrefixes(MODEL_FOR_DIMS[dims] ?? "bge-m3").query;
const queries = syntheticQueries(33, 101);
const k = 10;
const n = Math.max(50, k * 5);
const steps = new Map<string, number[]>();
const time = async <T>(step: string, f: () => T | Promise<T>): Promise<T> => {
  const t = performance.now();
  const out = await f();
  const list = steps.get(step) ?? [];
  list.push(performance.now() - t);
  steps.set(step, list);
  return out;
};

for (const [i, query] of queries.entries()) {
  const queryVector = Float32Array.from(lexicalEmbedding(`${prefix}${query}`, dims));
  if (i < 3) {
    await searchIndex(store, { query, queryVector, k, mode: "hybrid" }); // warm the cache
    continue;
  }
  const total = performance.now();
  const fts = await time("build FTS query", () => buildFtsQuery(query));
  const hits = (await time("FTS5 bm25 candidates", () => (fts.match ? store.lexical(fts.match, n) : []))).map(
    (h) => ({ id: h.chunkId, score: h.score }),
  );
  let lexical: Scored[] = await time("proximity re-rank", () =>
    proximityRerank(
      query,
      hits,
      async (ids) => new Map((await store.chunks(ids)).map((c) => [c.chunkId, c.text])),
    ),
  );
  let vector: Scored[] = await time("vector KNN (Hamming + rescore)", async () =>
    (await store.vector(queryVector, n)).map((h) => ({ id: h.chunkId, score: h.similarity })),
  );
  ({ lexical, vector } = await time("both-sides scoring", () =>
    scoreBothSides(store, queryVector, lexical, vector),
  ));
  const ranked = await time("fusion", () => fuse(lexical, vector, "hybrid").slice(0, k));
  const ids = ranked.map((r) => r.id);
  await time("relevance judge", () => coverageScore(store, query, ids));
  await time("chunk fetch", () => store.chunks(ids));
  const list = steps.get("sum of steps") ?? [];
  list.push(performance.now() - total);
  steps.set("sum of steps", list);
  await time("searchIndex() itself", () => searchIndex(store, { query, queryVector, k, mode: "hybrid" }));
}
await store.close();

const rows = [...steps].map(([step, ms]) => [
  step,
  String(round(median(ms))),
  String(round(Math.max(...ms))),
]);
const width = Math.max(...rows.map((r) => r[0]?.length ?? 0));
process.stdout.write(
  `searchIndex at ${chunks} x ${dims}, ${queries.length - 3} queries (hybrid, k = ${k}), ms\n` +
    `| ${"step".padEnd(width)} | median |    max |\n|${"-".repeat(width + 2)}|--------|--------|\n` +
    rows
      .map(([s, m, x]) => `| ${(s ?? "").padEnd(width)} | ${m?.padStart(6)} | ${x?.padStart(6)} |`)
      .join("\n") +
    "\n",
);
