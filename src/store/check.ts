import type { Database as Db } from "better-sqlite3";
import { hasVectorTable } from "./vectors.js";

/**
 * The invariants a crash must never break: every chunk has its vector and its FTS row, nothing is left
 * behind by a deleted chunk, no document appears twice, and each document's chunk count is what it says.
 * Returns one line per violation (empty when the index is consistent).
 */
export function checkIndex(db: Db): string[] {
  const problems: string[] = [];
  const count = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
  const integrity = db.pragma("quick_check", { simple: true });
  if (integrity !== "ok") problems.push(`SQLite quick_check: ${String(integrity)}`);

  if (hasVectorTable(db)) {
    const missingVec = count("SELECT count(*) FROM chunks WHERE id NOT IN (SELECT rowid FROM chunks_vec)");
    if (missingVec) problems.push(`${missingVec} chunk(s) have no vector`);
    const orphanVec = count("SELECT count(*) FROM chunks_vec WHERE rowid NOT IN (SELECT id FROM chunks)");
    if (orphanVec) problems.push(`${orphanVec} vector(s) belong to no chunk`);
  } else if (count("SELECT count(*) FROM chunks")) {
    problems.push("chunks exist but the vector table is missing");
  }
  const chunks = count("SELECT count(*) FROM chunks");
  const fts = count("SELECT count(*) FROM chunks_fts");
  if (fts !== chunks) problems.push(`${chunks} chunks but ${fts} full-text rows`);
  const orphanChunks = count(
    "SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)",
  );
  if (orphanChunks) problems.push(`${orphanChunks} chunk(s) belong to no document`);
  const dupes = count("SELECT count(*) FROM (SELECT path FROM documents GROUP BY path HAVING count(*) > 1)");
  if (dupes) problems.push(`${dupes} document path(s) appear more than once`);
  const wrongCounts = count(
    "SELECT count(*) FROM documents d WHERE d.chunk_count != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)",
  );
  if (wrongCounts)
    problems.push(
      `${wrongCounts} document(s) have a different number of chunks than recorded (half-replaced)`,
    );
  return problems;
}
