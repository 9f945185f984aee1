import os from "node:os";
import postgres from "postgres";
import { embedPrefixes } from "../../src/embedding/presets.js";
import { searchIndex } from "../../src/retrieval/search-index.js";
import { openIndex } from "../../src/store/open-index.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { rotateForCode } from "../../src/store/rotation.js";
import { buildFtsQuery } from "../../src/text/fts-query.js";
import { lexicalEmbedding } from "../stand-in/lexical-embedding.js";
import { syntheticQueries } from "./corpus.js";
import { percentiles, round, timeQueries } from "./measure.js";
import { copyRotatedCodes, copySyntheticIndex } from "./pg-copy.js";
import { MODEL_FOR_DIMS } from "./synthetic-documents.js";

/**
 * The PostgreSQL backend at sizes too large to build through SQLite (issue 13: 1M × 1024):
 * `GROUNDED_TEST_PG=postgres://… npx tsx test/bench/postgres-large.ts [chunks] [dims] [--reuse]`.
 * Loads the bench's synthetic index straight into a database `grounded_large_<chunks>_<dims>` with COPY
 * (pg-copy.ts; `--reuse` keeps one loaded before), builds the HNSW index once, then times BM25, the vector
 * side and whole searches (k = 10) and measures HNSW recall@10 against an exact scan, and the same for
 * `binary_quantize` + rescoring (an HNSW index over the vectors' signs, Hamming distance, the top N
 * rescored by cosine on the full vectors). Prints table and index sizes. Not a test.
 * GROUNDED_BENCH_BUILD_MEM (default 4GB) is the builds' maintenance_work_mem.
 */
const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const reuse = process.argv.includes("--reuse");
const chunks = Number(args[0] ?? 100_000);
const dims = Number(args[1] ?? 1024);
const recallQueries = Number(process.env.GROUNDED_BENCH_RECALL_QUERIES ?? 60);
const buildMem = process.env.GROUNDED_BENCH_BUILD_MEM ?? "4GB";
const admin = process.env.GROUNDED_TEST_PG;
if (!admin)
  throw new Error("Set GROUNDED_TEST_PG to a role that may create databases (bash .ci/run sets one up)");
const row = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)}  ${value}\n`);
const seconds = (since: number) => round((performance.now() - since) / 1000);

row(
  "load average (1, 5, 15 min) at the start",
  os
    .loadavg()
    .map((l) => round(l, 2))
    .join(", "),
);
const name = `grounded_large_${chunks}_${dims}`;
const url = new URL(admin);
url.pathname = `/${name}`;
const server = postgres(admin, { max: 1, onnotice: () => {} });
const [exists] = await server`SELECT 1 FROM pg_database WHERE datname = ${name}`;
if (!reuse || !exists) {
  await server.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await server.unsafe(`CREATE DATABASE ${name}`);
}
await server.end();

const pg = (await openIndex(url.href)) as PgStore;
const sql = pg.sql;
const model = MODEL_FOR_DIMS[dims] ?? "bge-m3";
const buildIndex = async (label: string, definition: string) => {
  const started = performance.now();
  await sql.begin(async (tx) => {
    await tx.unsafe(`SET LOCAL maintenance_work_mem = '${buildMem}'`);
    await tx.unsafe(definition);
  });
  row(`build ${label}`, `${seconds(started)} s`);
};
const [stats] = await sql<{ n: number }[]>`SELECT chunks AS n FROM index_stats`;
if ((stats?.n ?? 0) !== chunks) {
  await pg.ensureIndexInfo({ embedModel: model, dimensions: dims });
  const started = performance.now();
  let reported = 0;
  const copied = await copySyntheticIndex(sql, chunks, dims, (n) => {
    if (n - reported >= 50_000) {
      reported = n;
      process.stderr.write(`${n} chunks, ${seconds(started)} s\n`);
    }
  });
  const loadSeconds = seconds(started);
  row(
    `COPY ${copied.chunks} chunks (${copied.documents} documents)`,
    `${loadSeconds} s, ${Math.round(copied.chunks / loadSeconds)} chunks/s (GIN rebuilt at the end: ${round(copied.ginSeconds)} s)`,
  );
  if (copied.hnsw) await buildIndex("HNSW (vector_cosine_ops, m 16, ef_construction 64)", copied.hnsw);
  const started2 = performance.now();
  await sql`ANALYZE`;
  row("ANALYZE", `${seconds(started2)} s`);
}
// GROUNDED_BENCH_PLAIN_BINARY=0 leaves binary_quantize out (its recall on these vectors is below 0.1).
const plainBinary = process.env.GROUNDED_BENCH_PLAIN_BINARY !== "0";
const [binary] = await sql`SELECT 1 FROM pg_class WHERE relname = 'chunk_vectors_binary'`;
if (plainBinary && !binary)
  await buildIndex(
    `HNSW on binary_quantize (bit(${dims}), bit_hamming_ops)`,
    `CREATE INDEX chunk_vectors_binary ON chunk_vectors USING hnsw ((binary_quantize(embedding)::bit(${dims})) bit_hamming_ops)`,
  );
const [codes] = await sql`SELECT 1 FROM pg_class WHERE relname = 'chunk_codes'`;
if (!codes) {
  const started = performance.now();
  await copyRotatedCodes(sql, chunks, dims);
  row("COPY the rotated codes", `${seconds(started)} s`);
}
const [codesIndex] = await sql`SELECT 1 FROM pg_class WHERE relname = 'chunk_codes_hnsw'`;
if (!codesIndex)
  await buildIndex(
    `HNSW on the rotated codes (bit(${2 * dims}), bit_hamming_ops)`,
    "CREATE INDEX chunk_codes_hnsw ON chunk_codes USING hnsw (code bit_hamming_ops)",
  );
const sizes = await sql<{ name: string; mb: number }[]>`
  SELECT c.relname AS name, round(pg_table_size(c.oid) / 1048576.0)::int AS mb FROM pg_class c
  WHERE c.relname IN ('chunks', 'chunk_vectors', 'chunks_terms', 'chunk_vectors_hnsw', 'chunk_vectors_binary',
                      'term_df', 'chunk_vectors_pkey', 'chunks_pkey', 'chunk_codes', 'chunk_codes_hnsw')
  ORDER BY mb DESC`;
row("sizes (MB, with TOAST)", sizes.map((s) => `${s.name} ${s.mb}`).join(", "));
const [total] = await sql<
  { mb: number }[]
>`SELECT round(pg_database_size(current_database()) / 1048576.0)::int AS mb`;
row("database size (MB)", String(total?.mb));

const prefix = embedPrefixes(model).query;
const queries = syntheticQueries(60, 101);
const vectorOf = (q: string) => Float32Array.from(lexicalEmbedding(`${prefix}${q}`, dims));
const literal = (q: string) => `[${Array.from(vectorOf(q)).join(",")}]`;
const timed = async (label: string, run: (q: string) => Promise<unknown>) => {
  const p = await timeQueries(queries, run);
  row(label, `p50 ${round(p.p50)} ms, p95 ${round(p.p95)} ms`);
};
await timed("BM25, 50 candidates", (q) => pg.lexical(buildFtsQuery(q).match ?? '""', 50));
await timed("vector, 50 candidates (HNSW, ef_search 1000)", (q) => pg.vector(vectorOf(q), 50));
await timed("hybrid search (searchIndex, k = 10)", (q) =>
  searchIndex(pg, { query: q, queryVector: vectorOf(q), k: 10, mode: "hybrid" }),
);

// The exact top 10 of each query (a sequential scan), then each way's recall@10 and latency against it.
const connection = await sql.reserve();
const truth = new Map<string, Set<number>>();
const exactMs: number[] = [];
for (const q of queries.slice(0, recallQueries)) {
  const t = performance.now();
  const rows = await connection<{ id: number }[]>`
    WITH d AS MATERIALIZED (SELECT chunk_id AS id, embedding <=> ${literal(q)}::vector AS distance FROM chunk_vectors)
    SELECT id FROM d ORDER BY distance, id LIMIT 10`;
  exactMs.push(performance.now() - t);
  truth.set(q, new Set(rows.map((r) => r.id)));
}
const exact = percentiles(exactMs);
row(`exact scan (${truth.size} queries)`, `p50 ${round(exact.p50)} ms, p95 ${round(exact.p95)} ms`);
const measure = async (label: string, efSearch: number, search: (q: string) => Promise<{ id: number }[]>) => {
  await connection.unsafe(`SET hnsw.ef_search = ${efSearch}`);
  let recall = 0;
  const ms: number[] = [];
  for (const q of queries.slice(0, 5)) await search(q);
  for (const [q, ids] of truth) {
    const t = performance.now();
    const found = await search(q);
    ms.push(performance.now() - t);
    recall += found.filter((r) => ids.has(r.id)).length / 10;
  }
  const p = percentiles(ms);
  row(label, `recall@10 ${round(recall / truth.size, 3)}, p50 ${round(p.p50)} ms, p95 ${round(p.p95)} ms`);
};
for (const ef of [100, 400, 1000])
  await measure(
    `HNSW top 10, ef_search ${ef}`,
    ef,
    (q) =>
      connection<{ id: number }[]>`
      SELECT chunk_id AS id FROM chunk_vectors ORDER BY embedding <=> ${literal(q)}::vector LIMIT 10`,
  );
for (const [n, ef] of plainBinary
  ? [
      [40, 100],
      [100, 200],
      [200, 400],
      [200, 1000],
      [400, 1000],
    ]
  : [])
  await measure(`binary top ${n} rescored, ef_search ${ef}`, ef as number, (q) =>
    connection.unsafe(
      `WITH c AS MATERIALIZED (
         SELECT chunk_id, embedding FROM chunk_vectors
         ORDER BY binary_quantize(embedding)::bit(${dims}) <~> binary_quantize($1::vector) LIMIT $2)
       SELECT chunk_id AS id FROM c ORDER BY embedding <=> $1::vector, chunk_id LIMIT 10`,
      [literal(q), n as number],
    ),
  );
const codeOf = (q: string) => Array.from(rotateForCode(vectorOf(q)), (x) => (x > 0 ? "1" : "0")).join("");
for (const [n, ef] of [
  [40, 100],
  [100, 200],
  [200, 400],
  [400, 1000],
  [1000, 1000],
])
  await measure(`rotated codes top ${n} rescored, ef_search ${ef}`, ef as number, (q) =>
    connection.unsafe(
      `WITH c AS MATERIALIZED (
         SELECT chunk_id FROM chunk_codes ORDER BY code <~> $1::bit(${2 * dims}) LIMIT $2)
       SELECT v.chunk_id AS id FROM c JOIN chunk_vectors v USING (chunk_id)
       ORDER BY v.embedding <=> $3::vector, v.chunk_id LIMIT 10`,
      [codeOf(q), n as number, literal(q)],
    ),
  );
connection.release();
row(
  "load average (1, 5, 15 min) at the end",
  os
    .loadavg()
    .map((l) => round(l, 2))
    .join(", "),
);
await pg.close();
