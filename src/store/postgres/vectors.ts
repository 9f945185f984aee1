import type { VectorHit } from "../vectors.js";
import type { Sql, Tx } from "./connection.js";

/**
 * The pgvector side of a PostgreSQL index: one table `chunk_vectors` (the chunk id and its `vector(N)`),
 * created once the embedding model's width is known, with an HNSW index over cosine distance. pgvector's HNSW
 * indexes at most 2,000 dimensions; a wider model's index is searched exactly (a sequential scan).
 */
const MAX_HNSW_DIMENSIONS = 2000;
const UNDEFINED_TABLE = "42P01";

export async function createVectorTable(tx: Tx, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 16000) {
    throw new Error(`Invalid embedding dimensions ${dimensions}`);
  }
  await tx.unsafe(
    `CREATE TABLE IF NOT EXISTS chunk_vectors (
       chunk_id integer PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
       embedding vector(${dimensions}) NOT NULL
     )`,
  );
  if (dimensions <= MAX_HNSW_DIMENSIONS)
    await tx.unsafe(
      "CREATE INDEX IF NOT EXISTS chunk_vectors_hnsw ON chunk_vectors USING hnsw (embedding vector_cosine_ops)",
    );
}

/**
 * Fill an empty index in bulk (`grounded migrate`): the HNSW index is dropped while the vectors go in and built
 * once after, which is three times faster than keeping it up to date row by row (10k × 1024: 259 → 758
 * chunks/s, docs/postgres.md). Only for an empty index: servers searching it meanwhile would scan exactly.
 */
export async function bulkLoad<T>(sql: Sql, load: () => Promise<T>): Promise<T> {
  const [index] = await sql<{ def: string }[]>`
    SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indexrelid = to_regclass('chunk_vectors_hnsw')`;
  if (!index) return load();
  await sql`DROP INDEX chunk_vectors_hnsw`;
  try {
    return await load();
  } finally {
    await sql.begin(async (tx) => {
      await tx`SET LOCAL maintenance_work_mem = '512MB'`;
      await tx.unsafe(index.def);
    });
  }
}

export async function dropVectorTable(tx: Tx): Promise<void> {
  await tx`DROP TABLE IF EXISTS chunk_vectors`;
}

/** pgvector's text form of a vector, `[0.1,0.2,…]`; sent as text and cast, it is read exactly. */
function vectorLiteral(v: Float32Array): string {
  return `[${Array.from(v).join(",")}]`;
}

/**
 * Insert chunks' vectors in one statement. They travel as one JSON array of arrays: pgvector's text form is
 * a JSON array, so each element cast to text reads as a vector (a text[] parameter would need every
 * element quoted, since a leading "[" means array bounds to PostgreSQL's array parser).
 */
export async function insertVectors(tx: Tx, ids: number[], vectors: Float32Array[]): Promise<void> {
  if (ids.length === 0) return;
  const json = `[${vectors.map(vectorLiteral).join(",")}]`;
  await tx`INSERT INTO chunk_vectors (chunk_id, embedding)
           SELECT (${ids}::int[])[e.i], e.v::text::vector
           FROM json_array_elements(${json}::text::json) WITH ORDINALITY AS e(v, i)`;
}

export interface PgKnnOptions {
  /** Compare the query with every stored vector instead of walking the HNSW graph. */
  exact?: boolean;
}

/**
 * The k nearest chunks by cosine similarity. Without a filter (and unless `exact`), the HNSW graph finds them
 * (hnsw.ef_search, set per connection, is at least k: connection.ts); with a set of allowed chunk ids those
 * rows are scored exactly, which is also what a filtered graph search cannot promise to return.
 */
export async function pgKnn(
  sql: Sql,
  query: Float32Array,
  k: number,
  allowed: number[] | undefined,
  options: PgKnnOptions = {},
): Promise<VectorHit[]> {
  if (k <= 0 || allowed?.length === 0) return [];
  const q = vectorLiteral(query);
  // MATERIALIZED keeps the planner from answering the ORDER BY with the (approximate) HNSW index, which a
  // filter would also cut short.
  const search: Promise<{ id: number; distance: number }[]> =
    allowed || options.exact
      ? sql`WITH d AS MATERIALIZED (
                    SELECT chunk_id AS id, embedding <=> ${q}::vector AS distance FROM chunk_vectors
                    ${allowed ? sql`WHERE chunk_id = ANY(${allowed}::int[])` : sql``})
                  SELECT id, distance FROM d ORDER BY distance, id LIMIT ${k}`
      : sql`SELECT chunk_id AS id, embedding <=> ${q}::vector AS distance
                  FROM chunk_vectors ORDER BY embedding <=> ${q}::vector LIMIT ${k}`;
  // An index without a model yet has no vector table: nothing to find.
  const rows = await search.catch((error: { code?: string }) => {
    if (error.code === UNDEFINED_TABLE) return [];
    throw error;
  });
  return rows.map((r) => ({ chunkId: r.id, similarity: 1 - r.distance }));
}
