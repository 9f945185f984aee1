import type { Database } from "better-sqlite3";
import { contextLine, embeddingText } from "../document.js";
import { BUILTIN_MODEL, builtinVector } from "../embedding/builtin-embedder.js";
import { ftsDocumentText } from "../text/terms.js";
import { unifyStoredLookalikes } from "./unify-migration.js";
import { hasVectorTable, prepareVectorInsert } from "./vectors.js";

/**
 * Ordered schema migrations, applied on open and tracked in PRAGMA user_version. Append only: never edit a
 * migration that has shipped. The vector table is not here because its width depends on the embedding
 * model; src/store/vectors.ts creates it once the model's dimensions are known.
 */
type Migration = string | { upgrade: string; run: (db: Database, tell: (message: string) => void) => void };

const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,          -- absolute path: the document's identity
    source TEXT NOT NULL,               -- path relative to the folder it was ingested from, forward slashes
    root TEXT NOT NULL,                 -- absolute folder (or file) given to ingest
    title TEXT,
    format TEXT NOT NULL,
    hash TEXT NOT NULL,                 -- sha256 of the file bytes
    bytes INTEGER NOT NULL,
    pages INTEGER,
    chunk_count INTEGER NOT NULL,
    embed_model TEXT NOT NULL,
    ingested_at TEXT NOT NULL
  );
  CREATE INDEX documents_source ON documents(source);
  CREATE INDEX documents_root ON documents(root);
  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    heading TEXT,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    tokens INTEGER NOT NULL
  );
  CREATE INDEX chunks_document ON chunks(document_id, seq);
  CREATE VIRTUAL TABLE chunks_fts USING fts5(
    context, terms, content='', contentless_delete=1, tokenize='porter unicode61 remove_diacritics 2'
  );
  `,
  // 2: Traditional Chinese is indexed as Simplified (src/text/script-fold.ts): the full-text rows are
  // rebuilt from the stored chunks, so an index from before keeps matching both scripts, and so are the
  // vectors of the built-in embedder, which folds the scripts too. Ollama's vectors do not change.
  {
    upgrade:
      "Updating the index so Traditional and Simplified Chinese find each other (once; about 1 s per 10,000 chunks)…",
    run: (db) => reindexChunks(db, { vectors: builtinIndex(db) }),
  },
  // 3: loaders store Chinese look-alikes (Kangxi radicals from PDF fonts) as the characters they stand for
  // (src/text/lookalikes.ts); text stored before is rewritten, with what depends on it.
  {
    upgrade:
      "Checking the stored text for look-alike Chinese characters (Kangxi radicals from PDF fonts) (once; about 1 s per 100,000 chunks)…",
    run: (db, tell) => unifyStoredLookalikes(db, { builtin: builtinIndex(db), tell }),
  },
];

/** `onUpgrade` hears what a slow step is about to do to an index that holds chunks, so people are not left waiting blind. */
export function migrate(db: Database, onUpgrade: (message: string) => void = () => {}): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `This index was written by a newer grounded (schema ${current}, this one knows ${MIGRATIONS.length}). Upgrade grounded.`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      const step = MIGRATIONS[v] ?? "";
      if (typeof step === "string") db.exec(step);
      else {
        if ((db.prepare("SELECT count(*) FROM chunks").pluck().get() as number) > 0) onUpgrade(step.upgrade);
        step.run(db, onUpgrade);
      }
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function builtinIndex(db: Database): boolean {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'embed_model'").get() as
    | { value: string }
    | undefined;
  return row?.value === BUILTIN_MODEL && hasVectorTable(db);
}

/**
 * Rewrite every chunk's full-text row with the current term extraction (the index holds terms, not text:
 * content=''), from the chunk text and its context line as ingest made them; with `vectors`, also its
 * built-in embedding (of the same `embeddingText` ingest embeds). Batched by id, because a statement
 * cannot write while another one is still reading.
 */
function reindexChunks(db: Database, { vectors }: { vectors: boolean }): void {
  db.prepare("INSERT INTO chunks_fts(chunks_fts) VALUES ('delete-all')").run();
  const page = db.prepare(
    `SELECT c.id, c.text, c.heading, d.title, d.path FROM chunks c JOIN documents d ON d.id = c.document_id
     WHERE c.id > ? ORDER BY c.id LIMIT 2000`,
  );
  const insertFts = db.prepare("INSERT INTO chunks_fts(rowid, context, terms) VALUES (?, ?, ?)");
  const deleteVector = vectors ? db.prepare("DELETE FROM chunks_vec WHERE rowid = ?") : null;
  const insertVector = vectors ? prepareVectorInsert(db) : null;
  let after = 0;
  for (;;) {
    const rows = page.all(after) as Array<{
      id: number;
      text: string;
      heading: string | null;
      title: string | null;
      path: string;
    }>;
    if (rows.length === 0) return;
    for (const r of rows) {
      const context = contextLine(r.title, r.path, r.heading === null ? [] : [r.heading]);
      insertFts.run(r.id, ftsDocumentText(context), ftsDocumentText(r.text));
      if (deleteVector && insertVector) {
        deleteVector.run(r.id);
        insertVector(r.id, builtinVector(embeddingText(context, r.text)));
      }
    }
    after = (rows.at(-1) as { id: number }).id;
  }
}
