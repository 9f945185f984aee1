import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sql } from "../../src/store/postgres/connection.js";
import { chunkTermTexts, chunkTsvector, countDocuments } from "../../src/store/postgres/writes.js";
import { rotateForCode } from "../../src/store/rotation.js";
import { type SyntheticDocument, syntheticDocuments } from "./synthetic-documents.js";

/**
 * The bench's synthetic index (synthetic-documents.ts: the same documents, chunks and stand-in vectors
 * `buildIndex` writes to SQLite) loaded straight into an empty PostgreSQL index with COPY, for sizes where
 * building a SQLite index and copying it (`grounded migrate`, about 700 chunks/s here) takes too long. The
 * derived data is the store's own: the term texts (`chunkTermTexts`), the tsvector (`chunkTsvector`) and
 * `term_df` / `index_stats` (`countDocuments`), as writes.ts computes them for an ingest. The GIN and HNSW
 * indexes are dropped first; GIN is rebuilt at the end, HNSW is left to the caller (it is what the bench times),
 * whose definition is returned. Chunk ids are 1, 2, … in the order of `syntheticDocuments`.
 */
const BATCH_DOCUMENTS = 50;

export interface CopyResult {
  chunks: number;
  documents: number;
  /** `CREATE INDEX …` of the HNSW index dropped for the load, or null when there was none. */
  hnsw: string | null;
  ginSeconds: number;
}

export async function copySyntheticIndex(
  sql: Sql,
  chunks: number,
  dims: number,
  progress: (chunks: number) => void = () => {},
): Promise<CopyResult> {
  const hnsw = await dropIndex(sql, "chunk_vectors_hnsw");
  const gin = await dropIndex(sql, "chunks_terms");
  await sql`CREATE UNLOGGED TABLE chunk_stage (id int, document_id int, seq int, text text, page int,
    heading text, s int, e int, tokens int, context text, terms text, n int)`;
  let documents = 0;
  let copied = 0;
  const source = syntheticDocuments(chunks, dims);
  const nextBatch = () => {
    const batch: SyntheticDocument[] = [];
    for (let r = source.next(); !r.done; r = source.next()) {
      batch.push(r.value);
      if (batch.length === BATCH_DOCUMENTS) break;
    }
    return batch;
  };
  let batch = nextBatch();
  while (batch.length > 0) {
    const firstDocument = documents + 1;
    const firstChunk = copied + 1;
    const ids = batch.map((_, i) => firstDocument + i);
    const rows = batch.flatMap(({ chunks: c }, i) =>
      c.map((chunk, seq) => ({ chunk, seq, doc: ids[i] as number })),
    );
    const { context, terms, counts } = chunkTermTexts(rows.map((r) => r.chunk));
    const now = new Date().toISOString();
    await copyIn(
      sql`COPY documents (id, path, source, root, title, format, hash, bytes, pages, chunk_count, embed_model, ingested_at) FROM STDIN`,
      batch.map(({ doc, chunks: c }, i) =>
        textRow([
          ids[i],
          doc.path,
          doc.source,
          doc.root,
          doc.title,
          doc.format,
          doc.hash,
          doc.bytes,
          doc.pages,
          c.length,
          doc.embedModel,
          now,
        ]),
      ),
    );
    await copyIn(
      sql`COPY chunk_stage FROM STDIN`,
      rows.map(({ chunk: c, seq, doc }, i) =>
        textRow([
          firstChunk + i,
          doc,
          seq,
          c.text,
          c.page,
          c.headingPath.length ? c.headingPath.join(" > ") : null,
          c.start,
          c.end,
          c.tokens,
          context[i],
          terms[i],
          counts[i],
        ]),
      ),
    );
    // The server computes the tsvectors and frequencies while this process makes the next batch.
    const derive = sql.begin(async (tx) => {
      await tx`INSERT INTO chunks (id, document_id, seq, text, page, heading, start_offset, end_offset, tokens, terms, term_count)
               SELECT u.id, u.document_id, u.seq, u.text, u.page, u.heading, u.s, u.e, u.tokens, ${chunkTsvector(tx)}, u.n
               FROM chunk_stage u`;
      await countDocuments(
        tx,
        ids,
        rows.length,
        counts.reduce((a, b) => a + b, 0),
      );
      await tx`TRUNCATE chunk_stage`;
    });
    const next = nextBatch();
    await derive;
    await copyIn(sql`COPY chunk_vectors (chunk_id, embedding) FROM STDIN WITH (FORMAT binary)`, [
      binaryRows(
        firstChunk,
        rows.map((r) => vectorValue(r.chunk.vector)),
      ),
    ]);
    documents += batch.length;
    copied += rows.length;
    progress(copied);
    batch = next;
  }
  await sql`DROP TABLE chunk_stage`;
  // Explicit ids went in: the identity sequences continue after them, as after ordinary inserts.
  await sql`SELECT setval(pg_get_serial_sequence('documents', 'id'), greatest(max(id), 1)) FROM documents`;
  await sql`SELECT setval(pg_get_serial_sequence('chunks', 'id'), greatest(max(id), 1)) FROM chunks`;
  await sql`UPDATE index_stats SET version = version + 1`;
  const started = performance.now();
  if (gin) await sql.unsafe(gin);
  return { chunks: copied, documents, hnsw, ginSeconds: (performance.now() - started) / 1000 };
}

async function dropIndex(sql: Sql, name: string): Promise<string | null> {
  const [index] = await sql<{ def: string }[]>`
    SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indexrelid = to_regclass(${name})`;
  if (index) await sql.unsafe(`DROP INDEX ${name}`);
  return index?.def ?? null;
}

async function copyIn(query: ReturnType<Sql>, parts: (string | Buffer)[]): Promise<void> {
  await pipeline(Readable.from(parts), await query.writable());
}

/** One row of COPY's text format: tab-separated, `\N` for null, backslash escapes. */
function textRow(values: unknown[]): string {
  const field = (v: unknown) =>
    v === null || v === undefined
      ? "\\N"
      : String(v).replace(
          /[\\\n\r\t]/g,
          (c) => ({ "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" })[c] as string,
        );
  return `${values.map(field).join("\t")}\n`;
}

/** pgvector's binary form of a vector: int16 dimensions, int16 0, then the float4s. */
function vectorValue(v: Float32Array): Buffer {
  const out = Buffer.alloc(4 + 4 * v.length);
  out.writeInt16BE(v.length, 0);
  let at = 4;
  for (const x of v) at = out.writeFloatBE(x, at);
  return out;
}

/**
 * For the bench only: `chunk_codes(chunk_id, code bit(2 × dims))`, the sign bits of each vector of an index
 * `copySyntheticIndex` loaded, under SQLite's fixed random rotations (src/store/rotation.ts, what its fast path
 * scans), to compare with pgvector's `binary_quantize`, whose plain sign bits lose sparse vectors such as the
 * stand-in's. The vectors are made again (they are deterministic) rather than read back.
 */
export async function copyRotatedCodes(sql: Sql, chunks: number, dims: number): Promise<void> {
  await sql.unsafe(`CREATE TABLE chunk_codes (chunk_id integer PRIMARY KEY, code bit(${2 * dims}) NOT NULL)`);
  let id = 1;
  let codes: Buffer[] = [];
  const flush = async () => {
    await copyIn(sql`COPY chunk_codes (chunk_id, code) FROM STDIN WITH (FORMAT binary)`, [
      binaryRows(id, codes),
    ]);
    id += codes.length;
    codes = [];
  };
  for (const { chunks: rows } of syntheticDocuments(chunks, dims)) {
    for (const chunk of rows) codes.push(rotatedCode(chunk.vector));
    if (codes.length >= 5000) await flush();
  }
  if (codes.length > 0) await flush();
}

/** A `bit(n)`'s binary form (int32 n, then the bits, first bit highest): the rotated vector's signs. */
function rotatedCode(v: Float32Array): Buffer {
  const rotated = rotateForCode(v);
  const out = Buffer.alloc(4 + rotated.length / 8);
  out.writeInt32BE(rotated.length, 0);
  rotated.forEach((x, i) => {
    if (x > 0) out[4 + (i >> 3)] = (out[4 + (i >> 3)] as number) | (0x80 >> (i & 7));
  });
  return out;
}

/** COPY's binary format for rows (id int4, value) with each value in its type's binary form. */
function binaryRows(firstId: number, values: Buffer[]): Buffer {
  const header = Buffer.alloc(19);
  header.write("PGCOPY\n\xff\r\n\0", 0, "latin1");
  const rows = values.map((value, i) => {
    const row = Buffer.alloc(14);
    row.writeInt16BE(2, 0);
    row.writeInt32BE(4, 2);
    row.writeInt32BE(firstId + i, 6);
    row.writeInt32BE(value.length, 10);
    return Buffer.concat([row, value]);
  });
  return Buffer.concat([header, ...rows, Buffer.from([0xff, 0xff])]);
}
