import type { Chunk } from "../document.js";
import { EmbeddingMismatchError } from "../errors.js";
import { ftsDocumentText } from "../text/terms.js";
import { type Db, openDatabase } from "./database.js";
import { distinctSource } from "./distinct-source.js";
import { statement } from "./statements.js";
import {
  type BatchHits,
  createVectorTable,
  dropVectorTable,
  hasVectorTable,
  indexVersion,
  knn,
  knnBatch,
  prepareVectorInsert,
  type VectorHit,
} from "./vectors.js";

interface IndexInfo {
  embedModel: string;
  dimensions: number;
}

export interface DocumentRecord {
  id: number;
  path: string;
  source: string;
  root: string;
  title: string | null;
  format: string;
  hash: string;
  bytes: number;
  pages: number | null;
  chunkCount: number;
  embedModel: string;
  ingestedAt: string;
}

export type NewDocument = Omit<DocumentRecord, "id" | "chunkCount" | "ingestedAt">;

export interface StoredChunk {
  chunkId: number;
  documentId: number;
  /** The document's source; with the folder(s) above it when another document has the same source. */
  source: string;
  title: string | null;
  page: number | null;
  heading: string | null;
  text: string;
  seq: number;
  /** Character offsets [start, end) of `text` within the document's extracted text. */
  start: number;
  end: number;
}

export interface ChunkToStore extends Chunk {
  /** Extra text indexed for BM25 alongside the chunk (title, heading path); not shown to users. */
  context: string;
  vector: Float32Array;
}

interface LexicalHit {
  chunkId: number;
  /** BM25 relevance, higher is better. */
  score: number;
}

const DOC_COLUMNS = `id, path, source, root, title, format, hash, bytes, pages, chunk_count AS chunkCount,
  embed_model AS embedModel, ingested_at AS ingestedAt`;

/**
 * The index: documents, their chunks with full-text rows and vectors, and a few values kept with it. Every
 * method is asynchronous so that a backend behind a network connection (PostgreSQL) can implement it; the
 * SQLite store (`openStore`) does its work synchronously underneath and resolves at once.
 */
export interface Store {
  indexInfo(): Promise<IndexInfo | null>;
  /** Record the embedding model; rejects with EmbeddingMismatchError if the index already uses another. */
  ensureIndexInfo(info: IndexInfo): Promise<void>;
  /** Drop every document and vector so the index can be rebuilt with another model. */
  reset(info: IndexInfo): Promise<void>;
  /** A value kept with the index (the coverage calibration, src/retrieval/calibration.ts), or undefined. */
  meta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  documentByPath(absPath: string): Promise<DocumentRecord | undefined>;
  document(id: number): Promise<DocumentRecord | undefined>;
  listDocuments(): Promise<DocumentRecord[]>;
  documentsUnder(root: string): Promise<DocumentRecord[]>;
  /** Insert or replace a document and all its chunks, vectors and FTS rows in one transaction. */
  replaceDocument(doc: NewDocument, chunks: ChunkToStore[]): Promise<number>;
  /**
   * Insert or replace several documents in one transaction (one commit for many small files; each is still
   * whole or absent). Returns their ids, in order.
   */
  replaceDocuments(docs: Array<{ doc: NewDocument; chunks: ChunkToStore[] }>): Promise<number[]>;
  /**
   * Replace a document whose chunks arrive in parts (a large file, ingest/large-text.ts): one write
   * transaction is opened now, the old version deleted and the document row written inside it, each part's
   * chunks added as it comes, and `commit` makes the new version visible at once. Readers see the old
   * version until then; `rollback` (or a crash) keeps it.
   */
  replaceDocumentInParts(doc: NewDocument): Promise<DocumentParts>;
  deleteDocument(id: number): Promise<boolean>;
  /** Give a document a new path and source (a renamed file), keeping its chunks and vectors. */
  moveDocument(id: number, to: { path: string; source: string; root: string }): Promise<boolean>;
  counts(): Promise<{ documents: number; chunks: number }>;
  /**
   * Every chunk id, in the order of the documents' paths (byte order) and of the chunks in each: an order
   * that depends on what is indexed, not on the order in which an ingest happened to store it (the
   * calibration samples from it, and must come out the same for the same documents).
   */
  chunkIds(): Promise<number[]>;
  lexical(match: string, k: number, allowed?: number[]): Promise<LexicalHit[]>;
  /** How many chunks match `match` (document frequency of a term), counting at most `cap`. */
  countMatching(match: string, cap?: number): Promise<number>;
  /**
   * Of `terms` (FTS5 string literals), those found in more than half of all chunks. BM25 gives such a term
   * no weight (its IDF is clamped to ~0), yet matching it makes FTS5 score nearly every row. Remembered until
   * the index changes.
   */
  commonTerms(terms: readonly string[]): Promise<Set<string>>;
  /** Of `terms` (FTS5 string literals), the `keep` found in the fewest chunks (counted up to a cap, remembered). */
  rarestTerms(terms: readonly string[], keep: number): Promise<string[]>;
  /** Which of `ids` match `match` (used to tell a content hit from a stopword-only hit). */
  matching(match: string, ids: number[]): Promise<Set<number>>;
  vector(query: Float32Array, k: number, allowed?: number[]): Promise<VectorHit[]>;
  /**
   * `vector(query, k)` for many queries in one pass over the vectors, with the similarity of the chunks in
   * `alsoScore[i]` too (the calibration's batch of searches); undefined when searches must go one by one.
   */
  vectorBatch(queries: Float32Array[], k: number, alsoScore: number[][]): Promise<BatchHits[] | undefined>;
  /** Chunk ids of documents whose source starts with `prefix`. */
  chunkIdsWithSourcePrefix(prefix: string): Promise<number[]>;
  chunks(ids: number[]): Promise<StoredChunk[]>;
  /** Every chunk of one document, in document order (by `seq`); [] for an unknown id. */
  documentChunks(documentId: number): Promise<StoredChunk[]>;
  close(): Promise<void>;
}

/** The SQLite store: the interface plus its database (for the search threads' warm-up, checks and tests). */
export interface SqliteStore extends Store {
  readonly db: Db;
  readonly file: string;
}

/** A document being written part by part, inside one open transaction (`Store.replaceDocumentInParts`). */
export interface DocumentParts {
  /** The next chunks of the document, in order. */
  add(chunks: ChunkToStore[]): Promise<void>;
  /** Make the new version visible; returns its document id. */
  commit(): Promise<number>;
  /** Give up: the previous version (if any) stays. */
  rollback(): Promise<void>;
}

export interface OpenStoreOptions {
  readonly?: boolean;
  exactSearch?: boolean;
  /** Told before a slow one-time upgrade of an older index (src/store/migrations.ts). */
  onUpgrade?: (message: string) => void;
}

/** Terms whose commonness is remembered, at most (then the memory starts afresh). */
const MAX_KNOWN_TERMS = 50_000;
/** Document frequencies are counted up to this when only the rarest terms are wanted. */
const RARITY_CAP = 2000;
/** Below this many chunks in half the index, no term is dropped as common. */
const MIN_HALF_FOR_PRUNING = 100;

export function openStore(file: string, options: OpenStoreOptions = {}): SqliteStore {
  const db = openDatabase(file, options);
  const chunkTotal = db.prepare("SELECT count(*) FROM chunks").pluck();
  const countUpTo = db
    .prepare("SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)")
    .pluck();
  /** What is known of terms' document frequencies, valid while the index is unchanged. */
  let terms = {
    version: "",
    half: 0,
    common: new Map<string, boolean>(),
    counted: new Map<string, number>(),
  };
  const termStats = () => {
    const version = indexVersion(db);
    if (version !== terms.version || terms.common.size + terms.counted.size > MAX_KNOWN_TERMS)
      terms = {
        version,
        half: Math.floor((chunkTotal.get() as number) / 2),
        common: new Map(),
        counted: new Map(),
      };
    return terms;
  };
  const getMeta = (key: string) =>
    (statement(db, "SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  const setMeta = db.prepare(
    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );

  /** A function that deletes a document's chunks with their FTS rows and vectors (statements prepared once). */
  const deleteChunksStatements = () => {
    const chunkIds = db.prepare("SELECT id FROM chunks WHERE document_id = ?").pluck();
    const delFts = db.prepare("DELETE FROM chunks_fts WHERE rowid = ?");
    const delVec = hasVectorTable(db) ? db.prepare("DELETE FROM chunks_vec WHERE rowid = ?") : null;
    const delChunks = db.prepare("DELETE FROM chunks WHERE document_id = ?");
    return (documentId: number) => {
      for (const id of chunkIds.all(documentId) as number[]) {
        delFts.run(id);
        delVec?.run(BigInt(id));
      }
      delChunks.run(documentId);
    };
  };
  const deleteChunksOf = (documentId: number) => deleteChunksStatements()(documentId);

  /**
   * Statements that write a document (prepared once per call of its user, not per document or chunk):
   * `document` replaces the row of a path (its old chunks deleted), `chunks` adds chunks from `seq` on.
   */
  const documentWriter = () => {
    const byPath = db.prepare("SELECT id FROM documents WHERE path = ?").pluck();
    const deleteDoc = db.prepare("DELETE FROM documents WHERE id = ?");
    const insertDoc = db.prepare(
      `INSERT INTO documents(path, source, root, title, format, hash, bytes, pages, chunk_count, embed_model, ingested_at)
       VALUES (@path, @source, @root, @title, @format, @hash, @bytes, @pages, @chunkCount, @embedModel, @ingestedAt)`,
    );
    const insertChunk = db.prepare(
      `INSERT INTO chunks(document_id, seq, text, page, heading, start_offset, end_offset, tokens)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertFts = db.prepare("INSERT INTO chunks_fts(rowid, context, terms) VALUES (?, ?, ?)");
    const insertVec = prepareVectorInsert(db);
    const deleteOld = deleteChunksStatements();
    return {
      document(doc: NewDocument, chunkCount: number): number {
        const oldId = byPath.get(doc.path) as number | undefined;
        if (oldId !== undefined) {
          deleteOld(oldId);
          deleteDoc.run(oldId);
        }
        const info = insertDoc.run({ ...doc, chunkCount, ingestedAt: new Date().toISOString() });
        return Number(info.lastInsertRowid);
      },
      chunks(documentId: number, firstSeq: number, chunks: ChunkToStore[]): void {
        chunks.forEach((c, i) => {
          const heading = c.headingPath.length ? c.headingPath.join(" > ") : null;
          const r = insertChunk.run(
            documentId,
            firstSeq + i,
            c.text,
            c.page,
            heading,
            c.start,
            c.end,
            c.tokens,
          );
          const chunkId = r.lastInsertRowid;
          insertFts.run(chunkId, ftsDocumentText(c.context), ftsDocumentText(c.text));
          insertVec(chunkId, c.vector);
        });
      },
    };
  };

  const indexInfo = (): IndexInfo | null => {
    const model = getMeta("embed_model");
    const dims = getMeta("dimensions");
    return model && dims ? { embedModel: model, dimensions: Number(dims) } : null;
  };

  const store: SqliteStore = {
    db,
    file,
    indexInfo: async () => indexInfo(),
    meta: async (key) => getMeta(key),
    setMeta: async (key, value) => {
      setMeta.run(key, value);
    },
    async ensureIndexInfo(info) {
      const current = indexInfo();
      if (current) {
        if (current.embedModel !== info.embedModel || current.dimensions !== info.dimensions) {
          throw new EmbeddingMismatchError(
            current.embedModel,
            current.dimensions,
            info.embedModel,
            info.dimensions,
          );
        }
        return;
      }
      db.transaction(() => {
        setMeta.run("embed_model", info.embedModel);
        setMeta.run("dimensions", String(info.dimensions));
        createVectorTable(db, info.dimensions);
      })();
    },
    async reset(info) {
      db.transaction(() => {
        db.exec("DELETE FROM chunks; DELETE FROM documents; DELETE FROM chunks_fts;");
        dropVectorTable(db);
        setMeta.run("embed_model", info.embedModel);
        setMeta.run("dimensions", String(info.dimensions));
        createVectorTable(db, info.dimensions);
      })();
    },
    documentByPath: async (p) =>
      statement(db, `SELECT ${DOC_COLUMNS} FROM documents WHERE path = ?`).get(p) as
        | DocumentRecord
        | undefined,
    document: async (id) =>
      statement(db, `SELECT ${DOC_COLUMNS} FROM documents WHERE id = ?`).get(id) as
        | DocumentRecord
        | undefined,
    listDocuments: async () =>
      db.prepare(`SELECT ${DOC_COLUMNS} FROM documents ORDER BY source, id`).all() as DocumentRecord[],
    documentsUnder: async (root) =>
      db.prepare(`SELECT ${DOC_COLUMNS} FROM documents WHERE root = ?`).all(root) as DocumentRecord[],
    replaceDocument: async (doc, chunks) => (await store.replaceDocuments([{ doc, chunks }]))[0] as number,
    chunkIds: async () =>
      statement(
        db,
        "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY d.path, c.seq",
        "pluck",
      ).all() as number[],
    async replaceDocuments(docs) {
      if (docs.length === 0) return [];
      const write = documentWriter();
      return db.transaction(() =>
        docs.map(({ doc, chunks }) => {
          const documentId = write.document(doc, chunks.length);
          write.chunks(documentId, 0, chunks);
          return documentId;
        }),
      )();
    },
    async replaceDocumentInParts(doc) {
      const write = documentWriter();
      const setCount = db.prepare("UPDATE documents SET chunk_count = ? WHERE id = ?");
      db.exec("BEGIN IMMEDIATE");
      let documentId: number;
      try {
        documentId = write.document(doc, 0);
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
      let seq = 0;
      const end = (sql: string) => {
        if (db.inTransaction) db.exec(sql);
      };
      return {
        async add(chunks) {
          write.chunks(documentId, seq, chunks);
          seq += chunks.length;
        },
        async commit() {
          setCount.run(seq, documentId);
          db.exec("COMMIT");
          return documentId;
        },
        rollback: async () => end("ROLLBACK"),
      };
    },
    async deleteDocument(id) {
      return db.transaction(() => {
        deleteChunksOf(id);
        return db.prepare("DELETE FROM documents WHERE id = ?").run(id).changes > 0;
      })();
    },
    moveDocument: async (id, to) =>
      db
        .prepare("UPDATE documents SET path = @path, source = @source, root = @root WHERE id = @id")
        .run({ ...to, id }).changes > 0,
    counts: async () =>
      statement(
        db,
        "SELECT (SELECT count(*) FROM documents) AS documents, (SELECT count(*) FROM chunks) AS chunks",
      ).get() as {
        documents: number;
        chunks: number;
      },
    async lexical(match, k, allowed) {
      const filter = allowed ? "AND rowid IN (SELECT value FROM json_each(?))" : "";
      const params: unknown[] = allowed ? [match, JSON.stringify(allowed), k] : [match, k];
      const rows = statement(
        db,
        `SELECT rowid AS id, bm25(chunks_fts) AS rank FROM chunks_fts WHERE chunks_fts MATCH ? ${filter} ORDER BY rank LIMIT ?`,
      ).all(...params) as Array<{ id: number; rank: number }>;
      return rows.map((r) => ({ chunkId: r.id, score: -r.rank }));
    },
    countMatching: async (match, cap = 1000) => countUpTo.get(match, cap) as number,
    async commonTerms(list) {
      const stats = termStats();
      const found = new Set<string>();
      // In a small index every count is cheap and every row is scored quickly anyway.
      if (stats.half < MIN_HALF_FOR_PRUNING) return found;
      for (const term of list) {
        let isCommon = stats.common.get(term);
        if (isCommon === undefined) {
          isCommon = (countUpTo.get(term, stats.half + 1) as number) > stats.half;
          stats.common.set(term, isCommon);
        }
        if (isCommon) found.add(term);
      }
      return found;
    },
    async rarestTerms(list, keep) {
      if (list.length <= keep) return [...list];
      const stats = termStats();
      const frequency = (term: string) => {
        let n = stats.counted.get(term);
        if (n === undefined) {
          n = countUpTo.get(term, RARITY_CAP) as number;
          stats.counted.set(term, n);
        }
        return n;
      };
      return list
        .map((term, i) => ({ term, i, n: frequency(term) }))
        .sort((a, b) => a.n - b.n || a.i - b.i)
        .slice(0, keep)
        .sort((a, b) => a.i - b.i)
        .map((x) => x.term);
    },
    async matching(match, ids) {
      if (ids.length === 0) return new Set();
      const rows = statement(
        db,
        "SELECT rowid AS id FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))",
        "pluck",
      ).all(match, JSON.stringify(ids)) as number[];
      return new Set(rows);
    },
    vector: async (query, k, allowed) => knn(db, query, k, allowed, { exact: options.exactSearch ?? false }),
    vectorBatch: async (queries, k, alsoScore) =>
      options.exactSearch ? undefined : knnBatch(db, queries, k, alsoScore),
    async chunkIdsWithSourcePrefix(prefix) {
      return statement(
        db,
        "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id WHERE substr(d.source, 1, ?) = ?",
        "pluck",
      ).all(prefix.length, prefix) as number[];
    },
    async chunks(ids) {
      if (ids.length === 0) return [];
      const rows = statement(
        db,
        `SELECT c.id AS chunkId, c.document_id AS documentId, d.source, d.title, c.page, c.heading, c.text, c.seq,
                  c.start_offset AS start, c.end_offset AS end, d.path,
                  EXISTS (SELECT 1 FROM documents o WHERE o.source = d.source AND o.id <> d.id) AS shared
           FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(ids)) as (StoredChunk & { path: string; shared: number })[];
      const others = statement(db, "SELECT path FROM documents WHERE source = ? AND id <> ?", "pluck");
      const byId = new Map(
        rows.map(({ path: file, shared, ...r }) => [
          r.chunkId,
          shared
            ? { ...r, source: distinctSource(file, r.source, others.all(r.source, r.documentId) as string[]) }
            : r,
        ]),
      );
      return ids.map((id) => byId.get(id)).filter((r): r is StoredChunk => r !== undefined);
    },
    documentChunks: async (documentId) =>
      await store.chunks(
        statement(db, "SELECT id FROM chunks WHERE document_id = ? ORDER BY seq", "pluck").all(
          documentId,
        ) as number[],
      ),
    close: async () => {
      db.close();
    },
  };
  return store;
}
