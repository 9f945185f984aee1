import { contextLine } from "../document.js";
import { ValidationError } from "../errors.js";
import type { Db } from "./database.js";
import type { ChunkToStore, DocumentRecord, Store } from "./store.js";

export interface CopyProgress {
  documents: number;
  chunks: number;
  /** Documents in the source index. */
  total: number;
}

/** Documents written per transaction: large enough to amortise a commit, small enough to show progress. */
const BATCH = 16;

interface ChunkRow {
  id: number;
  text: string;
  page: number | null;
  heading: string | null;
  start: number;
  end: number;
  tokens: number;
}

/**
 * Copy a SQLite index into another store (`grounded migrate --to postgres://…`) without embedding anything
 * again: documents as recorded, chunks with their offsets, and the stored vectors. The full-text terms are
 * rebuilt by the target from the chunk text and the context line ingest indexed (title or file name, then
 * the heading path; src/document.ts `contextLine`), so they are what an ingest would have written. Each
 * batch of documents is one transaction in the target, and a document is replaced by path, so an
 * interrupted copy can simply be run again. The target must be empty or hold the same embedding model.
 */
export async function copyIndex(
  source: Db,
  sourceName: string,
  target: Store,
  onProgress: (progress: CopyProgress) => void = () => {},
): Promise<CopyProgress> {
  const meta = (key: string) =>
    (source.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined) ?? null;
  const model = meta("embed_model");
  const dimensions = Number(meta("dimensions"));
  if (!model || !dimensions)
    throw new ValidationError(
      `The index ${sourceName} holds no embeddings yet, so there is nothing to move: ingest into the new index directly.`,
    );
  await target.ensureIndexInfo({ embedModel: model, dimensions });
  const documents = source
    .prepare(
      `SELECT id, path, source, root, title, format, hash, bytes, pages, chunk_count AS chunkCount,
              embed_model AS embedModel, ingested_at AS ingestedAt FROM documents ORDER BY id`,
    )
    .all() as DocumentRecord[];
  const chunksOf = source.prepare(
    `SELECT id, text, page, heading, start_offset AS start, end_offset AS "end", tokens
     FROM chunks WHERE document_id = ? ORDER BY seq`,
  );
  const vectorOf = source.prepare("SELECT embedding FROM chunks_vec WHERE rowid = ?").pluck();
  const progress: CopyProgress = { documents: 0, chunks: 0, total: documents.length };
  for (let i = 0; i < documents.length; i += BATCH) {
    const batch = documents.slice(i, i + BATCH).map(({ id, chunkCount: _c, ingestedAt: _i, ...doc }) => {
      const rows = chunksOf.all(id) as ChunkRow[];
      const chunks: ChunkToStore[] = rows.map((r) => {
        const headingPath = r.heading === null ? [] : [r.heading];
        const blob = vectorOf.get(BigInt(r.id)) as Buffer | undefined;
        if (!blob)
          throw new Error(`chunk ${r.id} of ${doc.source} has no vector: run \`grounded status --check\``);
        return {
          text: r.text,
          page: r.page,
          headingPath,
          start: r.start,
          end: r.end,
          tokens: r.tokens,
          context: contextLine(doc.title, doc.path, headingPath),
          vector: new Float32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.byteLength)),
        };
      });
      return { doc, chunks };
    });
    await target.replaceDocuments(batch);
    progress.documents += batch.length;
    progress.chunks += batch.reduce((n, d) => n + d.chunks.length, 0);
    onProgress({ ...progress });
  }
  // The rest of meta (the "not covered" calibration): scores are the same on the copy, so it still holds.
  const rest = source
    .prepare("SELECT key, value FROM meta WHERE key NOT IN ('embed_model', 'dimensions')")
    .all() as { key: string; value: string }[];
  for (const { key, value } of rest) await target.setMeta(key, value);
  return progress;
}
