import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import type { Store } from "../src/store/store.js";
import { sourceFor } from "./walk.js";

export interface Move {
  id: number;
  from: string;
  to: string;
  source: string;
}

/**
 * Renamed files keep their embeddings. The pipeline knows a document by its path, so a renamed file would
 * look like one deletion and one new file to embed; here a document whose file vanished is matched by content
 * hash to a new path under the same root, and its row is moved instead. Call it before the pipeline runs.
 */
export async function moveRenamed(store: Store, root: string, files: readonly string[]): Promise<Move[]> {
  const present = new Set(files);
  const vanished = new Map<string, number>();
  for (const doc of await store.documentsUnder(root)) {
    if (!present.has(doc.path)) vanished.set(doc.hash, doc.id);
  }
  if (vanished.size === 0) return [];
  const moves: Move[] = [];
  for (const file of files) {
    if (await store.documentByPath(file)) continue;
    const hash = await hashFile(file);
    const id = hash === null ? undefined : vanished.get(hash);
    if (id === undefined || hash === null) continue;
    vanished.delete(hash);
    const from = (await store.document(id))?.path ?? "";
    const source = sourceFor(root, file);
    await store.moveDocument(id, { path: file, source, root });
    moves.push({ id, from, to: file, source });
  }
  return moves;
}

async function hashFile(file: string): Promise<string | null> {
  // A file that disappears between the walk and here is simply not a rename target.
  const bytes = await fs.readFile(file).catch(() => null);
  return bytes && createHash("sha256").update(bytes).digest("hex");
}
