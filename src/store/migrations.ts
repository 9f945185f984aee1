import type { Database } from "better-sqlite3";

/**
 * Ordered schema migrations, applied on open and tracked in PRAGMA user_version. Append only: never edit a
 * migration that has shipped. The vector table is not here because its width depends on the embedding
 * model; src/store/vectors.ts creates it once the model's dimensions are known.
 */
const MIGRATIONS: string[] = [
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
];

export function migrate(db: Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `This index was written by a newer grounded (schema ${current}, this one knows ${MIGRATIONS.length}). Upgrade grounded.`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] ?? "");
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
