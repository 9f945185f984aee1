import type { Db } from "./database.js";

/**
 * The sqlite-vec side of the index: one vec0 table whose rowid is the chunk id, cosine distance. It is
 * created when the embedding model's dimensions are first known.
 */
export function hasVectorTable(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'chunks_vec'").get() !== undefined;
}

export function createVectorTable(db: Db, dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 16384) {
    throw new Error(`Invalid embedding dimensions ${dimensions}`);
  }
  db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vec USING vec0(embedding float[${dimensions}] distance_metric=cosine)`);
}

export function dropVectorTable(db: Db): void {
  db.exec("DROP TABLE IF EXISTS chunks_vec");
}

export function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export interface VectorHit {
  chunkId: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

/** K nearest chunks. With a set of allowed chunk ids (a filter), scans exactly those rows instead. */
export function knn(db: Db, query: Float32Array, k: number, allowed?: number[]): VectorHit[] {
  if (!hasVectorTable(db) || k <= 0) return [];
  const blob = vectorBlob(query);
  let rows: Array<{ id: number | bigint; distance: number }>;
  if (allowed) {
    if (allowed.length === 0) return [];
    rows = db
      .prepare(
        `SELECT rowid AS id, vec_distance_cosine(embedding, ?) AS distance FROM chunks_vec
         WHERE rowid IN (SELECT value FROM json_each(?)) ORDER BY distance LIMIT ?`,
      )
      .all(blob, JSON.stringify(allowed), k) as typeof rows;
  } else {
    rows = db
      .prepare("SELECT rowid AS id, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance")
      .all(blob, k) as typeof rows;
  }
  return rows.map((r) => ({ chunkId: Number(r.id), similarity: 1 - r.distance }));
}
