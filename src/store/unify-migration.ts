import type { Database } from "better-sqlite3";
import { contextLine, embeddingText } from "../document.js";
import { builtinVector } from "../embedding/builtin-embedder.js";
import { hasLookalikes, unifyLookalikes } from "../text/lookalikes.js";
import { ftsDocumentText } from "../text/terms.js";
import { prepareVectorInsert } from "./vectors.js";

/** Prefix of a document hash that no file can have: the next ingest sees the file as changed. */
const STALE_HASH_PREFIX = "stale:";

/**
 * Migration 3: stored text from before the loaders unified Chinese look-alikes (src/text/lookalikes.ts)
 * is rewritten in place: chunk text, headings and document titles. The replacement keeps every string's
 * length, so chunk offsets stay valid. What depends on the text is rebuilt for the chunks it touches: their
 * full-text rows, and a built-in index's vectors. Vectors from an Ollama model cannot be rebuilt without
 * the model, so those documents are marked changed (their hash) and the next `grounded ingest` of their
 * folder re-embeds them; `tell` says how many there are.
 */
export function unifyStoredLookalikes(
  db: Database,
  { builtin, tell }: { builtin: boolean; tell: (message: string) => void },
): void {
  const setTitle = db.prepare("UPDATE documents SET title = ? WHERE id = ?");
  const retitled = new Set<number>();
  const titled = db.prepare("SELECT id, title FROM documents WHERE title IS NOT NULL").all() as Array<{
    id: number;
    title: string;
  }>;
  for (const d of titled) {
    if (!hasLookalikes(d.title)) continue;
    setTitle.run(unifyLookalikes(d.title), d.id);
    retitled.add(d.id);
  }

  // One read of every chunk (about 1 s per 100,000), keeping the ids of those to rewrite: a statement
  // cannot write while another one is still reading.
  const ids: number[] = [];
  const all = db.prepare("SELECT id, document_id AS documentId, text, heading FROM chunks");
  for (const c of all.iterate() as Iterable<{
    id: number;
    documentId: number;
    text: string;
    heading: string | null;
  }>) {
    if (
      retitled.has(c.documentId) ||
      hasLookalikes(c.text) ||
      (c.heading !== null && hasLookalikes(c.heading))
    )
      ids.push(c.id);
  }
  const read = db.prepare(
    `SELECT c.id, c.document_id AS documentId, c.text, c.heading, d.title, d.path
     FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?`,
  );
  const setChunk = db.prepare("UPDATE chunks SET text = ?, heading = ? WHERE id = ?");
  const deleteFts = db.prepare("DELETE FROM chunks_fts WHERE rowid = ?");
  const insertFts = db.prepare("INSERT INTO chunks_fts(rowid, context, terms) VALUES (?, ?, ?)");
  const deleteVector = builtin ? db.prepare("DELETE FROM chunks_vec WHERE rowid = ?") : null;
  const insertVector = builtin ? prepareVectorInsert(db) : null;
  const changed = new Set<number>(retitled);
  for (const id of ids) {
    const c = read.get(id) as {
      id: number;
      documentId: number;
      text: string;
      heading: string | null;
      title: string | null;
      path: string;
    };
    const text = unifyLookalikes(c.text);
    const heading = c.heading === null ? null : unifyLookalikes(c.heading);
    changed.add(c.documentId);
    setChunk.run(text, heading, c.id);
    const context = contextLine(c.title, c.path, heading === null ? [] : [heading]);
    deleteFts.run(c.id);
    insertFts.run(c.id, ftsDocumentText(context), ftsDocumentText(text));
    if (deleteVector && insertVector) {
      deleteVector.run(BigInt(c.id));
      insertVector(c.id, builtinVector(embeddingText(context, text)));
    }
  }
  if (changed.size === 0) return;
  if (builtin) {
    tell(`Fixed look-alike characters in ${changed.size} document(s).`);
    return;
  }
  const markStale = db.prepare(
    `UPDATE documents SET hash = '${STALE_HASH_PREFIX}' || hash WHERE id = ? AND hash NOT LIKE '${STALE_HASH_PREFIX}%'`,
  );
  for (const id of changed) markStale.run(id);
  tell(
    `Fixed look-alike characters in ${changed.size} document(s); they are embedded again the next time their folders are ingested.`,
  );
}
