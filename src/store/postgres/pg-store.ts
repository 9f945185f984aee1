import { indexName } from "../../index-location.js";
import { distinctSource } from "../distinct-source.js";
import type { DocumentRecord, Store, StoredChunk } from "../store.js";
import { coalesce } from "./coalesce.js";
import { connectionError, connectPostgres, type PostgresOptions, type Sql } from "./connection.js";
import {
  bm25Search,
  countMatching,
  idsHoldingTerms,
  matchingIds,
  matchTerms,
  termFrequencies,
} from "./lexical.js";
import { migratePostgres } from "./schema.js";
import { pgKnn } from "./vectors.js";
import {
  deleteDocument,
  ensureIndexInfo,
  moveDocument,
  readIndexInfo,
  replaceDocumentInParts,
  replaceDocuments,
  resetIndex,
} from "./writes.js";

/** The PostgreSQL store: the interface plus its pool (for `migrate`, checks and tests). */
export interface PgStore extends Store {
  readonly kind: "postgres";
  readonly sql: Sql;
  /** The database's URL without its password, for messages. */
  readonly location: string;
}

export interface OpenPgStoreOptions extends PostgresOptions {
  exactSearch?: boolean;
}

/** Terms whose commonness is remembered, at most (then the memory starts afresh). */
const MAX_KNOWN_TERMS = 50_000;
/** Document frequencies are counted up to this when only the rarest terms are wanted (as on SQLite). */
const RARITY_CAP = 2000;
/** Below this many chunks in half the index, no term is dropped as common. */
const MIN_HALF_FOR_PRUNING = 100;

const DOC_COLUMNS = `id, path, source, root, title, format, hash, bytes::float8 AS bytes, pages,
  chunk_count AS "chunkCount", embed_model AS "embedModel", ingested_at AS "ingestedAt"`;

const CHUNK_COLUMNS = `c.id AS "chunkId", c.document_id AS "documentId", d.source, d.title, c.page, c.heading,
  c.text, c.seq, c.start_offset AS start, c.end_offset AS "end", d.path,
  EXISTS (SELECT 1 FROM documents o WHERE o.source = d.source AND o.id <> d.id) AS shared`;

/**
 * A grounded index in a PostgreSQL database (GROUNDED_DB=postgres://…), shared by any number of servers and
 * ingests: every method is a query or a transaction on a pool, and the database does the searching (BM25
 * over a GIN-indexed tsvector, lexical.ts; HNSW over pgvector, vectors.ts). Nothing is cached across calls
 * except term frequencies, which are checked against the index version every search, so a server sees
 * another's ingest, deletion or reindex at its next search.
 */
export async function openPgStore(url: string, options: OpenPgStoreOptions = {}): Promise<PgStore> {
  const sql = await connectPostgres(url, options);
  try {
    await migratePostgres(sql, url);
  } catch (error) {
    await sql.end({ timeout: 1 });
    throw error;
  }
  let terms = {
    version: -1,
    half: 0,
    common: new Map<string, boolean>(),
    counted: new Map<string, number>(),
  };
  const termStats = async () => {
    const [row] = await sql<{ version: number; chunks: number }[]>`SELECT version, chunks FROM index_stats`;
    const version = row?.version ?? 0;
    if (version !== terms.version || terms.common.size + terms.counted.size > MAX_KNOWN_TERMS)
      terms = { version, half: Math.floor((row?.chunks ?? 0) / 2), common: new Map(), counted: new Map() };
    return terms;
  };
  const unquote = (literal: string) => literal.replace(/^"|"$/g, "").replaceAll('""', '"');

  // The relevance judge's per-term questions, asked together (coalesce.ts): a single term's document
  // frequency from term_df, and which chunks of one candidate list hold a term.
  const frequencyOf = coalesce((terms: string[]) => termFrequencies(sql, terms, Number.MAX_SAFE_INTEGER), 0);
  const holdersIn = new WeakMap<number[], (term: string) => Promise<Set<number>>>();
  const holders = (ids: number[]) => {
    let ask = holdersIn.get(ids);
    if (!ask) {
      ask = coalesce((terms: string[]) => idsHoldingTerms(sql, terms, ids), new Set<number>());
      holdersIn.set(ids, ask);
    }
    return ask;
  };
  const singleTerm = (match: string) => {
    const terms = matchTerms(match);
    return terms.length === 1 && !(terms[0] as string).includes(" ") ? (terms[0] as string) : null;
  };

  const chunks = async (ids: number[]): Promise<StoredChunk[]> => {
    if (ids.length === 0) return [];
    const rows = await sql.unsafe<(StoredChunk & { path: string; shared: boolean })[]>(
      `SELECT ${CHUNK_COLUMNS} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ANY($1::int[])`,
      [ids],
    );
    const byId = new Map<number, StoredChunk>();
    for (const { path: file, shared, ...r } of rows) {
      if (!shared) {
        byId.set(r.chunkId, r);
        continue;
      }
      const others = await sql<{ path: string }[]>`
        SELECT path FROM documents WHERE source = ${r.source} AND id <> ${r.documentId}`;
      byId.set(r.chunkId, {
        ...r,
        source: distinctSource(
          file,
          r.source,
          others.map((o) => o.path),
        ),
      });
    }
    return ids.map((id) => byId.get(id)).filter((r): r is StoredChunk => r !== undefined);
  };
  const documents = (where: string, params: (string | number)[]) =>
    sql.unsafe<DocumentRecord[]>(`SELECT ${DOC_COLUMNS} FROM documents ${where}`, params);

  const store: PgStore = {
    kind: "postgres",
    sql,
    location: indexName(url),
    indexInfo: () => readIndexInfo(sql),
    ensureIndexInfo: (info) => ensureIndexInfo(sql, info),
    reset: (info) => resetIndex(sql, info),
    async meta(key) {
      const [row] = await sql<{ value: string }[]>`SELECT value FROM meta WHERE key = ${key}`;
      return row?.value;
    },
    async setMeta(key, value) {
      await sql`INSERT INTO meta VALUES (${key}, ${value}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
    },
    documentByPath: async (p) => (await documents("WHERE path = $1", [p]))[0],
    document: async (id) => (await documents("WHERE id = $1", [id]))[0],
    listDocuments: async () => [...(await documents("ORDER BY source, id", []))],
    documentsUnder: async (root) => [...(await documents("WHERE root = $1", [root]))],
    replaceDocument: async (doc, list) => (await replaceDocuments(sql, [{ doc, chunks: list }]))[0] as number,
    replaceDocuments: (docs) => replaceDocuments(sql, docs),
    replaceDocumentInParts: (doc) => replaceDocumentInParts(sql, doc),
    deleteDocument: (id) => deleteDocument(sql, id),
    moveDocument: (id, to) => moveDocument(sql, id, to),
    // The chunk count BM25 keeps (exact, updated with the chunks): count(*) would scan the table each search.
    async counts() {
      const [row] = await sql<{ documents: number; chunks: number }[]>`
        SELECT (SELECT count(*) FROM documents) AS documents, (SELECT chunks FROM index_stats) AS chunks`;
      return row ?? { documents: 0, chunks: 0 };
    },
    async chunkIds() {
      // Byte order of the paths, as SQLite's: both backends calibrate an index alike.
      return (
        await sql<{ id: number }[]>`
          SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY d.path COLLATE "C", c.seq`
      ).map((r) => r.id);
    },
    lexical: (match, k, allowed) => bm25Search(sql, match, k, allowed),
    countMatching: async (match, cap = 1000) => {
      const term = singleTerm(match);
      return term === null ? countMatching(sql, match, cap) : Math.min(cap, await frequencyOf(term));
    },
    async commonTerms(list) {
      const stats = await termStats();
      const found = new Set<string>();
      if (stats.half < MIN_HALF_FOR_PRUNING) return found;
      const unknown = list.filter((t) => !stats.common.has(t));
      const counts = await termFrequencies(sql, unknown.map(unquote), stats.half + 1);
      for (const t of unknown) stats.common.set(t, (counts.get(unquote(t)) ?? 0) > stats.half);
      for (const t of list) if (stats.common.get(t)) found.add(t);
      return found;
    },
    async rarestTerms(list, keep) {
      if (list.length <= keep) return [...list];
      const stats = await termStats();
      const unknown = list.filter((t) => !stats.counted.has(t));
      const counts = await termFrequencies(sql, unknown.map(unquote), RARITY_CAP);
      for (const t of unknown) stats.counted.set(t, Math.min(RARITY_CAP, counts.get(unquote(t)) ?? 0));
      return list
        .map((term, i) => ({ term, i, n: stats.counted.get(term) ?? 0 }))
        .sort((a, b) => a.n - b.n || a.i - b.i)
        .slice(0, keep)
        .sort((a, b) => a.i - b.i)
        .map((x) => x.term);
    },
    matching: async (match, ids) => {
      const term = singleTerm(match);
      return term === null || ids.length === 0 ? matchingIds(sql, match, ids) : holders(ids)(term);
    },
    // No batched KNN here: the calibration's searches go one by one (each an HNSW search in the database).
    vectorBatch: async () => undefined,
    vector: (query, k, allowed) => pgKnn(sql, query, k, allowed, { exact: options.exactSearch ?? false }),
    async chunkIdsWithSourcePrefix(prefix) {
      const rows = await sql<{ id: number }[]>`
        SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id
        WHERE left(d.source, ${prefix.length}) = ${prefix} ORDER BY c.id`;
      return rows.map((r) => r.id);
    },
    chunks,
    async documentChunks(documentId) {
      const rows = await sql<
        { id: number }[]
      >`SELECT id FROM chunks WHERE document_id = ${documentId} ORDER BY seq`;
      return chunks(rows.map((r) => r.id));
    },
    close: () => sql.end({ timeout: 5 }),
  };
  return guarded(store, url);
}

/** Every method of the store, with a lost or refused connection reported as IndexUnavailableError. */
function guarded(store: PgStore, url: string): PgStore {
  const wrapped: Record<string, unknown> = { ...store };
  for (const [key, value] of Object.entries(store)) {
    if (typeof value !== "function" || key === "close" || key === "sql") continue;
    wrapped[key] = async (...args: unknown[]) => {
      try {
        return await value(...args);
      } catch (error) {
        throw connectionError(url, error);
      }
    };
  }
  return wrapped as unknown as PgStore;
}
