import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { embedPrefixes } from "../../src/embedding/presets.js";
import { searchIndex } from "../../src/retrieval/search-index.js";
import { copyIndex } from "../../src/store/copy-index.js";
import { openIndex } from "../../src/store/open-index.js";
import { bm25Search } from "../../src/store/postgres/lexical.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { bulkLoad } from "../../src/store/postgres/vectors.js";
import { openStore, type Store } from "../../src/store/store.js";
import { buildFtsQuery } from "../../src/text/fts-query.js";
import { lexicalEmbedding } from "../stand-in/lexical-embedding.js";
import { syntheticQueries } from "./corpus.js";
import { round, timeQueries } from "./measure.js";
import { buildIndex } from "./serve-sections.js";
import { MODEL_FOR_DIMS } from "./synthetic-documents.js";

/**
 * The PostgreSQL backend against SQLite on one synthetic index (the bench's mixed English/Chinese corpus):
 * `GROUNDED_TEST_PG=postgres://… npx tsx test/bench/postgres.ts [chunks] [dims]` (default 10000 x 1024).
 * Builds the SQLite index as `npm run bench` does (cached in os.tmpdir()), copies it into a fresh database
 * as `grounded migrate` does (`copyIndex`, the HNSW index built once at the end),
 * then times the BM25 side, the vector side and whole searches (`searchIndex`, hybrid, k = 10) on both, the
 * HNSW recall@10 against an exact scan, how often both backends return the same top 10, and BM25 scoring
 * every matching row (lexical.ts before MaxScore) against what it does now. Not a test.
 */
const chunks = Number(process.argv[2] ?? 10_000);
const dims = Number(process.argv[3] ?? 1024);
const admin = process.env.GROUNDED_TEST_PG;
if (!admin)
  throw new Error("Set GROUNDED_TEST_PG to a role that may create databases (bash .ci/run sets one up)");
const file = path.join(os.tmpdir(), `grounded-profile-${chunks}-${dims}.db`);
if (!fs.existsSync(file)) {
  process.stderr.write(`building ${file} ...\n`);
  await buildIndex(file, chunks, dims);
}

const name = `grounded_bench_${chunks}_${dims}`;
const sql = postgres(admin, { max: 1, onnotice: () => {} });
await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await sql.unsafe(`CREATE DATABASE ${name}`);
await sql.end();
const url = new URL(admin);
url.pathname = `/${name}`;

const lite = openStore(file);
const pg = await openIndex(url.href);
const exact = await openIndex(url.href, { exactSearch: true });
const started = performance.now();
// As `grounded migrate` copies into an empty database: the HNSW index built once at the end.
await pg.ensureIndexInfo({ embedModel: MODEL_FOR_DIMS[dims] ?? "bge-m3", dimensions: dims });
const copied = await bulkLoad((pg as PgStore).sql, () => copyIndex(lite.db, file, pg));
const copySeconds = (performance.now() - started) / 1000;
const row = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)}  ${value}\n`);
row(
  `copy ${copied.chunks} chunks into PostgreSQL`,
  `${round(copySeconds)} s, ${Math.round(copied.chunks / copySeconds)} chunks/s`,
);
// What `grounded migrate` ends with (and autovacuum does on its own later): planner statistics.
await (pg as PgStore).sql`ANALYZE`;

const prefix = embedPrefixes(MODEL_FOR_DIMS[dims] ?? "bge-m3").query;
const queries = syntheticQueries(60, 101);
const vectorOf = (q: string) => Float32Array.from(lexicalEmbedding(`${prefix}${q}`, dims));
const timed = async (label: string, run: (q: string) => Promise<unknown>) => {
  const p = await timeQueries(queries, run);
  row(label, `p50 ${round(p.p50)} ms, p95 ${round(p.p95)} ms`);
};
const search = (store: Store) => (q: string) =>
  searchIndex(store, { query: q, queryVector: vectorOf(q), k: 10, mode: "hybrid" });
for (const [backend, store] of [
  ["sqlite", lite],
  ["postgres", pg],
] as const) {
  await timed(`${backend}: BM25, 50 candidates`, (q) => store.lexical(buildFtsQuery(q).match ?? '""', 50));
  await timed(`${backend}: vector, 50 candidates`, (q) => store.vector(vectorOf(q), 50));
  await timed(`${backend}: hybrid search (searchIndex, k = 10)`, search(store));
}
await timed("postgres: vector, exact scan", (q) => exact.vector(vectorOf(q), 50));
// BM25 as it was before MaxScore (lexical.ts): every matching row read and scored. Same answers, measured.
const match = (q: string) => buildFtsQuery(q).match ?? '""';
const pgSql = (pg as PgStore).sql;
await timed("postgres: BM25, every matching row scored", (q) =>
  bm25Search(pgSql, match(q), 50, undefined, { everyRow: true }),
);
let sameBm25 = 0;
for (const q of queries) {
  const ids = async (everyRow: boolean) =>
    (await bm25Search(pgSql, match(q), 50, undefined, { everyRow }))
      .map((h) => `${h.chunkId}:${h.score.toFixed(9)}`)
      .join(",");
  if ((await ids(true)) === (await ids(false))) sameBm25++;
}
row("postgres: BM25 top 50 as every row scored", `${sameBm25} of ${queries.length} queries`);

let recall = 0;
let sameTop = 0;
for (const q of queries) {
  const truth = new Set((await exact.vector(vectorOf(q), 10)).map((h) => h.chunkId));
  recall += (await pg.vector(vectorOf(q), 10)).filter((h) => truth.has(h.chunkId)).length / 10;
  const key = async (store: Store) =>
    (await search(store)(q)).results.map((r) => `${r.source}#${r.seq}`).join(",");
  if ((await key(lite)) === (await key(pg))) sameTop++;
}
row("postgres: HNSW recall@10 against exact", String(round(recall / queries.length, 3)));
row("same top 10 on both backends (hybrid)", `${sameTop} of ${queries.length} queries`);
await exact.close();
await pg.close();
await lite.close();
