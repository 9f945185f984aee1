import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIndex } from "../../src/store/open-index.js";
import { checkPgIndex } from "../../src/store/postgres/check.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { rotateForCode } from "../../src/store/rotation.js";
import { copyRotatedCodes, copySyntheticIndex } from "../bench/pg-copy.js";
import { MODEL_FOR_DIMS, type SyntheticDocument, syntheticDocuments } from "../bench/synthetic-documents.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";

/**
 * The large PostgreSQL bench loads its synthetic index with COPY (test/bench/pg-copy.ts) instead of through
 * the store. Its figures only stand for grounded's if the index is the one the store writes: the same rows,
 * terms, lengths, document frequencies and vectors, and an index the store goes on writing to.
 */
const CHUNKS = 230;
const DIMS = 1024;

describe.skipIf(noPostgres)("the bench's COPY loader", () => {
  let copiedDb: TestDatabase;
  let writtenDb: TestDatabase;
  let copied: PgStore;
  let written: PgStore;

  beforeAll(async () => {
    [copiedDb, writtenDb] = await Promise.all([freshDatabase(), freshDatabase()]);
    copied = (await openIndex(copiedDb.url)) as PgStore;
    written = (await openIndex(writtenDb.url)) as PgStore;
    const info = { embedModel: MODEL_FOR_DIMS[DIMS] as string, dimensions: DIMS };
    await copied.ensureIndexInfo(info);
    await written.ensureIndexInfo(info);
    const result = await copySyntheticIndex(copied.sql, CHUNKS, DIMS);
    if (result.hnsw) await copied.sql.unsafe(result.hnsw);
    await copyRotatedCodes(copied.sql, CHUNKS, DIMS);
    for (const { doc, chunks } of syntheticDocuments(CHUNKS, DIMS))
      await written.replaceDocument(doc, chunks);
  });
  afterAll(async () => {
    await copied?.close();
    await written?.close();
    await copiedDb?.drop();
    await writtenDb?.drop();
  });

  const both = async <T>(read: (store: PgStore) => Promise<T>): Promise<[T, T]> => [
    await read(copied),
    await read(written),
  ];

  it("writes the documents, chunks, terms and vectors the store writes", async () => {
    const [a, b] = await both(
      (s) => s.sql`SELECT d.path, d.source, d.title, d.format, d.hash, d.chunk_count, d.embed_model, c.seq,
                          c.text, c.heading, c.start_offset, c.end_offset, c.tokens, c.terms::text AS terms,
                          c.term_count, v.embedding::text AS embedding
                   FROM documents d JOIN chunks c ON c.document_id = d.id JOIN chunk_vectors v ON v.chunk_id = c.id
                   ORDER BY d.path, c.seq`,
    );
    expect(a.length).toBe(CHUNKS);
    expect(a).toEqual(b);
  });

  it("counts the same document frequencies and lengths, and passes status --check", async () => {
    const [df, dfWritten] = await both((s) => s.sql`SELECT term, df FROM term_df WHERE df > 0 ORDER BY term`);
    expect(df.length).toBeGreaterThan(100);
    expect(df).toEqual(dfWritten);
    const [stats, statsWritten] = await both((s) => s.sql`SELECT chunks, term_tokens FROM index_stats`);
    expect(stats).toEqual(statsWritten);
    expect(await checkPgIndex(copied.sql)).toEqual([]);
    const [indexes, indexesWritten] = await both(
      (s) => s.sql`SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('chunks', 'chunk_vectors')
                   ORDER BY indexname`,
    );
    expect(indexes).toEqual(indexesWritten);
  });

  it("stores each vector's rotated sign bits, and the store goes on writing after it", async () => {
    const [row] = await copied.sql<{ code: string; embedding: string }[]>`
      SELECT k.code::text AS code, v.embedding::text AS embedding
      FROM chunk_codes k JOIN chunk_vectors v USING (chunk_id) ORDER BY chunk_id DESC LIMIT 1`;
    const vector = Float32Array.from(JSON.parse(row?.embedding ?? "[]") as number[]);
    expect(row?.code).toBe(Array.from(rotateForCode(vector), (x) => (x > 0 ? "1" : "0")).join(""));
    const { doc, chunks } = syntheticDocuments(1, DIMS).next().value as SyntheticDocument;
    await copied.replaceDocument({ ...doc, path: "/bench/one-more.md" }, chunks);
    expect(await checkPgIndex(copied.sql)).toEqual([]);
  });
});
