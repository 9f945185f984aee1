import { randomUUID } from "node:crypto";
import { EmbeddingMismatchError } from "../../errors.js";
import { ftsDocumentText } from "../../text/terms.js";
import type { ChunkToStore, DocumentParts, NewDocument } from "../store.js";
import type { Sql, Tx } from "./connection.js";
import { LOCK_CLASS, lockPaths } from "./locks.js";
import { createVectorTable, dropVectorTable, insertVectors } from "./vectors.js";

/**
 * Everything that changes a PostgreSQL index. Each change is one transaction that takes, in this order, the
 * advisory locks of the document paths it touches (locks.ts) and then the `index_stats` row: writers from any
 * number of servers go one at a time through the short commit (embedding happened before), the document
 * frequencies and counts BM25 reads stay exact, and no two of them can deadlock. Readers are never blocked.
 */

interface IndexInfo {
  embedModel: string;
  dimensions: number;
}

async function lockWriters(tx: Tx): Promise<void> {
  await tx`SELECT 1 FROM index_stats FOR UPDATE`;
}

async function bumpVersion(tx: Tx): Promise<void> {
  await tx`UPDATE index_stats SET version = version + 1`;
}

export async function readIndexInfo(sql: Sql | Tx): Promise<IndexInfo | null> {
  const rows = await sql<{ key: string; value: string }[]>`
    SELECT key, value FROM meta WHERE key IN ('embed_model', 'dimensions')`;
  const get = (key: string) => rows.find((r) => r.key === key)?.value;
  const model = get("embed_model");
  const dims = get("dimensions");
  return model && dims ? { embedModel: model, dimensions: Number(dims) } : null;
}

async function writeIndexInfo(tx: Tx, info: IndexInfo): Promise<void> {
  await tx`INSERT INTO meta VALUES ('embed_model', ${info.embedModel}), ('dimensions', ${String(info.dimensions)})
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
}

/** Record the embedding model (first ingest) or check it; another server may be doing the same at once. */
export async function ensureIndexInfo(sql: Sql, info: IndexInfo): Promise<void> {
  const check = (current: IndexInfo) => {
    if (current.embedModel !== info.embedModel || current.dimensions !== info.dimensions)
      throw new EmbeddingMismatchError(
        current.embedModel,
        current.dimensions,
        info.embedModel,
        info.dimensions,
      );
  };
  const current = await readIndexInfo(sql);
  if (current) return check(current);
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_CLASS.schema}, 0)`;
    const now = await readIndexInfo(tx);
    if (now) return check(now);
    await writeIndexInfo(tx, info);
    await createVectorTable(tx, info.dimensions);
  });
}

/** Drop every document and vector and record another model (`ingest --reindex`). */
export async function resetIndex(sql: Sql, info: IndexInfo): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${LOCK_CLASS.schema}, 0)`;
    await lockWriters(tx);
    await dropVectorTable(tx);
    await tx`TRUNCATE documents, chunks, term_df`;
    await tx`UPDATE index_stats SET chunks = 0, term_tokens = 0`;
    await writeIndexInfo(tx, info);
    await createVectorTable(tx, info.dimensions);
    await bumpVersion(tx);
  });
}

/** Take a document's chunks out of the frequencies and counts, then delete it (chunks and vectors cascade). */
async function removeDocument(tx: Tx, id: number): Promise<void> {
  await tx`
    WITH gone AS (
      SELECT lexeme, count(*)::int AS n FROM chunks c, unnest(tsvector_to_array(c.terms)) AS lexeme
      WHERE c.document_id = ${id} GROUP BY lexeme)
    UPDATE term_df t SET df = t.df - gone.n FROM gone WHERE t.term = gone.lexeme`;
  await tx`
    UPDATE index_stats SET chunks = chunks - s.n, term_tokens = term_tokens - s.tokens
    FROM (SELECT count(*) AS n, coalesce(sum(term_count), 0) AS tokens FROM chunks WHERE document_id = ${id}) AS s`;
  await tx`DELETE FROM documents WHERE id = ${id}`;
}

/** Terms in a text as `ftsDocumentText` writes it (space separated): BM25's length of that text. */
const termCount = (terms: string): number => (terms === "" ? 0 : terms.split(" ").length);

/**
 * What the full-text side stores of each chunk, computed here rather than in SQL (src/text/terms.ts): the
 * terms of its context and of its text as FTS5 gets them, and its BM25 length (both together, in terms).
 */
export function chunkTermTexts(chunks: readonly { context: string; text: string }[]): {
  context: string[];
  terms: string[];
  counts: number[];
} {
  const context = chunks.map((c) => ftsDocumentText(c.context));
  const terms = chunks.map((c) => ftsDocumentText(c.text));
  const counts = chunks.map((_, i) => termCount(context[i] as string) + termCount(terms[i] as string));
  return { context, terms, counts };
}

/** A chunk's `tsvector` from the term texts of `chunkTermTexts`, as columns `context` and `terms` of a row `u`. */
export const chunkTsvector = (sql: Sql | Tx) =>
  sql`to_tsvector('grounded', u.context) || to_tsvector('grounded', u.terms)`;

async function insertDocumentRow(
  tx: Tx,
  doc: NewDocument,
  path: string,
  chunkCount: number,
): Promise<number> {
  const [row] = await tx<{ id: number }[]>`
    INSERT INTO documents (path, source, root, title, format, hash, bytes, pages, chunk_count, embed_model, ingested_at)
    VALUES (${path}, ${doc.source}, ${doc.root}, ${doc.title}, ${doc.format}, ${doc.hash}, ${doc.bytes},
            ${doc.pages}, ${chunkCount}, ${doc.embedModel}, ${new Date().toISOString()})
    RETURNING id`;
  return (row as { id: number }).id;
}

/** Insert chunks (from `firstSeq` on) with their terms and vectors; returns their BM25 length in terms. */
async function insertChunks(
  tx: Tx,
  documentId: number,
  chunks: ChunkToStore[],
  firstSeq: number,
): Promise<number> {
  if (chunks.length === 0) return 0;
  const { context, terms, counts } = chunkTermTexts(chunks);
  const inserted = await tx<{ id: number; seq: number }[]>`
    INSERT INTO chunks (document_id, seq, text, page, heading, start_offset, end_offset, tokens, terms, term_count)
    SELECT ${documentId}, u.seq, u.text, u.page, u.heading, u.s, u.e, u.tokens,
           ${chunkTsvector(tx)}, u.n
    FROM unnest(${chunks.map((_, i) => firstSeq + i)}::int[], ${chunks.map((c) => c.text)}::text[],
                ${chunks.map((c) => c.page)}::int[],
                ${chunks.map((c) => (c.headingPath.length ? c.headingPath.join(" > ") : null))}::text[],
                ${chunks.map((c) => c.start)}::int[], ${chunks.map((c) => c.end)}::int[],
                ${chunks.map((c) => c.tokens)}::int[], ${context}::text[], ${terms}::text[], ${counts}::int[])
      AS u(seq, text, page, heading, s, e, tokens, context, terms, n)
    RETURNING id, seq`;
  const idOfSeq = new Map(inserted.map((r) => [r.seq, r.id]));
  await insertVectors(
    tx,
    chunks.map((_, i) => idOfSeq.get(firstSeq + i) as number),
    chunks.map((c) => c.vector),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Add stored documents' chunks (`chunks` of them, `termTokens` long in all) to the frequencies and counts BM25
 * reads (writers' lock held).
 */
export async function countDocuments(
  tx: Tx,
  documentIds: number[],
  chunks: number,
  termTokens: number,
): Promise<void> {
  if (chunks === 0) return;
  // Sorted, so the upserts lock term rows in one order (writers are serialised anyway; this is belt and braces).
  await tx`
    INSERT INTO term_df (term, df)
    SELECT lexeme, count(*)::int FROM chunks c, unnest(tsvector_to_array(c.terms)) AS lexeme
    WHERE c.document_id = ANY(${documentIds}::int[]) GROUP BY lexeme ORDER BY lexeme
    ON CONFLICT (term) DO UPDATE SET df = term_df.df + excluded.df`;
  await tx`UPDATE index_stats SET chunks = chunks + ${chunks}, term_tokens = term_tokens + ${termTokens}`;
}

async function insertDocument(tx: Tx, doc: NewDocument, chunks: ChunkToStore[]): Promise<number> {
  const documentId = await insertDocumentRow(tx, doc, doc.path, chunks.length);
  await countDocuments(tx, [documentId], chunks.length, await insertChunks(tx, documentId, chunks, 0));
  return documentId;
}

function checkModel(info: IndexInfo | null, doc: NewDocument, chunks: ChunkToStore[]): void {
  const width = chunks[0]?.vector.length;
  if (info && (info.embedModel !== doc.embedModel || (width !== undefined && width !== info.dimensions)))
    throw new EmbeddingMismatchError(
      info.embedModel,
      info.dimensions,
      doc.embedModel,
      width ?? info.dimensions,
    );
}

/**
 * A document written part by part (a large text: src/store/store.ts `DocumentParts`) in one transaction on a
 * connection of its own. Its row waits under a temporary path while the parts go in, without the writers'
 * lock, so other writers are not held up while the parts are embedded; `commit` takes that lock, removes the
 * previous version, gives the row its path and counts the terms, all at once for readers.
 */
export async function replaceDocumentInParts(sql: Sql, doc: NewDocument): Promise<DocumentParts> {
  const connection = await sql.reserve();
  const tx = connection as unknown as Tx;
  const end = async (statement: "COMMIT" | "ROLLBACK") => {
    try {
      await connection.unsafe(statement);
    } finally {
      connection.release();
    }
  };
  let documentId: number;
  let info: IndexInfo | null;
  try {
    await connection.unsafe("BEGIN");
    await lockPaths(tx, [doc.path]);
    info = await readIndexInfo(tx);
    documentId = await insertDocumentRow(tx, doc, `${doc.path}\n(being written ${randomUUID()})`, 0);
  } catch (error) {
    await end("ROLLBACK").catch(() => {});
    throw error;
  }
  let seq = 0;
  let termTokens = 0;
  return {
    async add(chunks) {
      checkModel(info, doc, chunks);
      termTokens += await insertChunks(tx, documentId, chunks, seq);
      seq += chunks.length;
    },
    async commit() {
      try {
        await lockWriters(tx);
        checkModel(await readIndexInfo(tx), doc, []);
        const [old] = await tx<{ id: number }[]>`SELECT id FROM documents WHERE path = ${doc.path}`;
        if (old) await removeDocument(tx, old.id);
        await tx`UPDATE documents SET path = ${doc.path}, chunk_count = ${seq} WHERE id = ${documentId}`;
        await countDocuments(tx, [documentId], seq, termTokens);
        await bumpVersion(tx);
      } catch (error) {
        await end("ROLLBACK").catch(() => {});
        throw error;
      }
      await end("COMMIT");
      return documentId;
    },
    rollback: () => end("ROLLBACK"),
  };
}

/**
 * Insert or replace documents with their chunks, full-text terms and vectors, in one transaction. The
 * embedding model is checked inside it: another server may have re-indexed with another model meanwhile.
 */
export async function replaceDocuments(
  sql: Sql,
  docs: Array<{ doc: NewDocument; chunks: ChunkToStore[] }>,
): Promise<number[]> {
  if (docs.length === 0) return [];
  return sql.begin(async (tx) => {
    await lockPaths(
      tx,
      docs.map((d) => d.doc.path),
    );
    await lockWriters(tx);
    const info = await readIndexInfo(tx);
    const ids: number[] = [];
    for (const { doc, chunks } of docs) {
      checkModel(info, doc, chunks);
      const [old] = await tx<{ id: number }[]>`SELECT id FROM documents WHERE path = ${doc.path}`;
      if (old) await removeDocument(tx, old.id);
      ids.push(await insertDocument(tx, doc, chunks));
    }
    await bumpVersion(tx);
    return ids;
  });
}

export async function deleteDocument(sql: Sql, id: number): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [doc] = await tx<{ path: string }[]>`SELECT path FROM documents WHERE id = ${id}`;
    if (!doc) return false;
    await lockPaths(tx, [doc.path]);
    await lockWriters(tx);
    const [still] = await tx`SELECT 1 FROM documents WHERE id = ${id}`;
    if (!still) return false;
    await removeDocument(tx, id);
    await bumpVersion(tx);
    return true;
  });
}

export async function moveDocument(
  sql: Sql,
  id: number,
  to: { path: string; source: string; root: string },
): Promise<boolean> {
  return sql.begin(async (tx) => {
    const [doc] = await tx<{ path: string }[]>`SELECT path FROM documents WHERE id = ${id}`;
    if (!doc) return false;
    await lockPaths(tx, [doc.path, to.path]);
    await lockWriters(tx);
    const moved = await tx`UPDATE documents SET path = ${to.path}, source = ${to.source}, root = ${to.root}
                           WHERE id = ${id}`;
    await bumpVersion(tx);
    return moved.count > 0;
  });
}
