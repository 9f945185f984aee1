import type { Database as Db } from "better-sqlite3";
import { type CodeSet, createCodeSet } from "./hamming.js";
import { rotateForCode, signBits } from "./rotation.js";
import { statement } from "./statements.js";

/**
 * The sqlite-vec side of the index: one vec0 table whose rowid is the chunk id, with two columns:
 * `embedding`, the float vector (cosine distance), and `embedding_bq`, the sign bits of the vector under two
 * fixed random rotations (2 bits per dimension). sqlite-vec only searches by brute force, and scanning those
 * codes by Hamming distance reads 16 times less than scanning floats, so a search takes the nearest
 * `max(k × oversample, MIN_CANDIDATES)` codes and rescores only those with the exact cosine distance.
 *
 * Why rotate before taking signs: plain sign bits only work for dense embeddings. A sparse vector (a lexical
 * embedding, or any model with many zero components) has mostly zero components, which all quantise to 0,
 * so its Hamming distance measures how many components are positive rather than how close two vectors are
 * (recall@10 was below 0.1 on the Ollama stand-in's embeddings). A random rotation (random signs, then a
 * Walsh-Hadamard transform, twice) spreads every component over all coordinates; the sign bits then become a
 * SimHash, whose Hamming distance tracks the angle between the vectors for dense and sparse vectors alike.
 */
const BQ_COLUMN = "embedding_bq";

/**
 * Rows per vec0 chunk. vec0 stores a chunk's vectors in one blob, and reading one vector walks that blob's
 * overflow pages up to its offset, so rescoring 400 candidates costs ~14 ms at 64 rows a chunk and ~6 ms at
 * 8 (exact search is ~200 ms at 100k x 1024 either way; measured at 8, 16, 32). sqlite-vec 0.1.9 also
 * selects the top k of each chunk in O(k × chunk size), which small chunks keep cheap when a search falls
 * back to its Hamming KNN. Indexes made with another chunk size keep it and work the same.
 */
const CHUNK_SIZE = 8;

/** Candidates per wanted result taken from the Hamming search before rescoring. */
const DEFAULT_OVERSAMPLE = 8;

/**
 * The fast path never rescores fewer candidates than this. Measured on the stand-in's lexical embeddings
 * (short questions against 400-token passages: low, close similarities, the hard case for codes), 400 keeps
 * recall@10 against exact search at 0.95 or more up to 100k chunks; `npm run bench` reports it.
 */
const MIN_CANDIDATES = 400;

export function hasVectorTable(db: Db): boolean {
  return statement(db, "SELECT 1 FROM sqlite_master WHERE name = 'chunks_vec'").get() !== undefined;
}

/** Whether the index has the binary-quantised column (indexes made before it existed do not). */
export function hasBinaryColumn(db: Db): boolean {
  const sql = statement(db, "SELECT sql FROM sqlite_master WHERE name = 'chunks_vec'", "pluck").get() as
    | string
    | undefined;
  return sql?.includes(BQ_COLUMN) ?? false;
}

export function createVectorTable(db: Db, dimensions: number): void {
  if (!Number.isInteger(dimensions) || dimensions <= 0 || dimensions > 16384) {
    throw new Error(`Invalid embedding dimensions ${dimensions}`);
  }
  db.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vec USING vec0(embedding float[${dimensions}] distance_metric=cosine,
     ${BQ_COLUMN} bit[${2 * signBits(dimensions)}], chunk_size=${CHUNK_SIZE})`,
  );
}

export function dropVectorTable(db: Db): void {
  db.exec("DROP TABLE IF EXISTS chunks_vec");
}

function vectorBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Insert one chunk's vector (and its code when the index has the column). */
export function prepareVectorInsert(db: Db): (chunkId: number | bigint, vector: Float32Array) => void {
  if (!hasBinaryColumn(db)) {
    const stmt = db.prepare("INSERT INTO chunks_vec(rowid, embedding) VALUES (?, ?)");
    return (id, v) => void stmt.run(BigInt(id), vectorBlob(v));
  }
  const stmt = db.prepare(
    `INSERT INTO chunks_vec(rowid, embedding, ${BQ_COLUMN}) VALUES (?, ?, vec_quantize_binary(?))`,
  );
  return (id, v) => void stmt.run(BigInt(id), vectorBlob(v), vectorBlob(rotateForCode(v)));
}

export interface VectorHit {
  chunkId: number;
  /** Cosine similarity in [-1, 1]. */
  similarity: number;
}

export interface KnnOptions {
  /** Compare the query with every stored float vector (slow on large indexes, always exact). */
  exact?: boolean;
  /** Hamming candidates per wanted result before rescoring (default DEFAULT_OVERSAMPLE). */
  oversample?: number;
}

type Row = { id: number | bigint; distance: number };

/** The exact cosine distance of the chunks listed in a JSON array (candidates or allowed rows). */
const RESCORE = `SELECT a.value AS id, vec_distance_cosine(v.embedding, ?) AS distance
  FROM json_each(?) a JOIN chunks_vec v ON v.rowid = a.value ORDER BY distance LIMIT ?`;

const candidateCount = (k: number, oversample = DEFAULT_OVERSAMPLE) =>
  Math.max(MIN_CANDIDATES, Math.ceil(k * oversample));

/**
 * K nearest chunks by cosine similarity. With a set of allowed chunk ids (a filter), only those rows are
 * considered. Falls back to exact search on indexes without the binary column.
 */
export function knn(
  db: Db,
  query: Float32Array,
  k: number,
  allowed?: number[],
  options: KnnOptions = {},
): VectorHit[] {
  if (!hasVectorTable(db) || k <= 0) return [];
  if (allowed?.length === 0) return [];
  const blob = vectorBlob(query);
  const fast = !options.exact && hasBinaryColumn(db);
  const candidates = candidateCount(k, options.oversample);
  let rows: Row[];
  const inMemory = fast && !allowed ? hammingCandidates(db, query, candidates) : undefined;
  if (allowed && (!fast || allowed.length <= candidates)) {
    // Scoring the allowed rows one by one beats a search when they are few, and is the exact answer.
    rows = statement(db, RESCORE).all(blob, JSON.stringify([...allowed].sort((a, b) => a - b)), k) as Row[]; // rowid order reads faster
  } else if (inMemory) {
    // Same candidates as the SQL branch below (nearest codes by Hamming distance), found in memory.
    rows = statement(db, RESCORE).all(blob, JSON.stringify(inMemory), k) as Row[];
  } else if (fast) {
    const filter = allowed ? "AND rowid IN (SELECT value FROM json_each(?))" : "";
    const code = vectorBlob(rotateForCode(query));
    const params = allowed
      ? [code, candidates, JSON.stringify(allowed), blob, k]
      : [code, candidates, blob, k];
    rows = db
      .prepare(
        `WITH c AS (SELECT rowid AS id FROM chunks_vec WHERE ${BQ_COLUMN} MATCH vec_quantize_binary(?) AND k = ? ${filter})
         SELECT c.id, vec_distance_cosine(v.embedding, ?) AS distance FROM c JOIN chunks_vec v ON v.rowid = c.id
         ORDER BY distance LIMIT ?`,
      )
      .all(...params) as Row[];
  } else {
    rows = db
      .prepare(
        "SELECT rowid AS id, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? ORDER BY distance",
      )
      .all(blob, k) as Row[];
  }
  return rows.map((r) => ({ chunkId: Number(r.id), similarity: 1 - r.distance }));
}

/**
 * The binary codes of the whole index, held in memory per connection (src/store/hamming.ts scans them).
 * sqlite-vec 0.1.9 scans codes at ~30 ms per 100k rows for k = 10 and ~60 ms for the 400 candidates the fast
 * path takes (it keeps each vec0 chunk's top k in O(k × chunk size)); the in-memory SIMD scan with a
 * histogram selection takes a few milliseconds (test/bench/profile-search.ts). 256 bytes a chunk at 1024
 * dims: 26 MB per 100k chunks, per connection (each search worker has its own).
 */
interface CodeCache {
  /** PRAGMA data_version and total_changes() when loaded: either moves when the index is written. */
  version: string;
  loadedAt: number;
  codes: CodeSet;
}

const codeCaches = new WeakMap<Db, CodeCache>();

/**
 * A stale cache is reloaded (~0.5 s at 100k chunks) at most this often; in between, searches take the SQL
 * path, so an ingest committing every few milliseconds cannot make every search pay for a reload.
 */
const RELOAD_INTERVAL_MS = 10_000;

/** Moves whenever the index is written, by this connection (total_changes) or another (data_version). */
export function indexVersion(db: Db): string {
  return `${db.pragma("data_version", { simple: true })}:${statement(db, "SELECT total_changes()", "pluck").get()}`;
}

/** The codes, loaded when stale (`force`: whenever stale, for a batch of searches worth a reload). */
function codeCache(db: Db, force = false): CodeCache | undefined {
  const version = indexVersion(db);
  const cached = codeCaches.get(db);
  if (cached?.version === version) return cached;
  if (!force && cached && performance.now() - cached.loadedAt < RELOAD_INTERVAL_MS) return undefined;
  const bytes = db.prepare(`SELECT length(${BQ_COLUMN}) FROM chunks_vec LIMIT 1`).pluck().get() as
    | number
    | undefined;
  if (!bytes) return undefined;
  // Read inside one transaction so the count and the rows agree.
  const codes = db.transaction(() => {
    const size = db.prepare("SELECT count(*) FROM chunks_vec").pluck().get() as number;
    const set = createCodeSet(size, bytes);
    let row = 0;
    for (const [id, code] of db
      .prepare(`SELECT rowid, ${BQ_COLUMN} FROM chunks_vec`)
      .raw()
      .iterate() as Iterable<[number, Buffer]>) {
      if (row >= size) break;
      set.set(row++, id, code);
    }
    return row === size ? set : undefined;
  })();
  if (!codes) return undefined;
  const cache = { version, loadedAt: performance.now(), codes };
  codeCaches.set(db, cache);
  return cache;
}

/**
 * Load the index's binary codes into memory now rather than on the first search (~0.5 s at 100k chunks),
 * for a search worker that has just opened the index. Does nothing without the binary column.
 */
export function warmVectorCodes(db: Db): void {
  if (hasVectorTable(db) && hasBinaryColumn(db)) codeCache(db);
}

/**
 * The `count` rows whose codes are nearest the query's by Hamming distance (ties broken by rowid), or
 * undefined when the in-memory codes cannot be used right now (then the caller searches in SQL).
 */
function hammingCandidates(db: Db, query: Float32Array, count: number, force = false): number[] | undefined {
  const cache = codeCache(db, force);
  if (!cache) return undefined;
  // The query's code from sqlite-vec itself, so its bits are packed exactly as the stored ones.
  const code = statement(db, "SELECT vec_quantize_binary(?)", "pluck").get(
    vectorBlob(rotateForCode(query)),
  ) as Buffer;
  if (code.length !== cache.codes.bytesPerCode) return undefined;
  // In rowid order: neighbouring rows share vec0 chunks and B-tree pages, which halves the rescoring reads.
  return cache.codes.nearest(code, count).sort((a, b) => a - b);
}

/** What `knnBatch` found for one query: its k nearest, and the similarity of every chunk it scored. */
export interface BatchHits {
  nearest: VectorHit[];
  similarity: Map<number, number>;
}

/**
 * knn() for many queries at once (the coverage calibration searches 160): each query's Hamming candidates,
 * the same ones knn() rescores, and the chunks in `alsoScore[i]`, scored in one pass that reads each
 * needed vector once, in rowid order, with the cosine computed here in double precision (sqlite-vec sums in
 * single precision: similarities agree to ~1e-6, ties are ordered by id). Undefined when the fast path
 * cannot be used (no binary codes, exact search).
 */
export function knnBatch(
  db: Db,
  queries: Float32Array[],
  k: number,
  alsoScore: number[][] = [],
): BatchHits[] | undefined {
  if (!hasVectorTable(db) || !hasBinaryColumn(db)) return undefined;
  const wanted = new Map<number, number[]>();
  const candidateLists: number[][] = [];
  for (const [q, query] of queries.entries()) {
    const candidates = hammingCandidates(db, query, candidateCount(k), true);
    if (!candidates) return undefined;
    candidateLists.push(candidates);
    for (const id of new Set([...candidates, ...(alsoScore[q] ?? [])])) {
      const list = wanted.get(id);
      if (list) list.push(q);
      else wanted.set(id, [q]);
    }
  }
  const norms = queries.map((q) => Math.sqrt(dot(q, q)));
  const similarity = queries.map(() => new Map<number, number>());
  const ids = [...wanted.keys()].sort((a, b) => a - b);
  const rows = db
    .prepare("SELECT a.value, v.embedding FROM json_each(?) a JOIN chunks_vec v ON v.rowid = a.value")
    .raw()
    .iterate(JSON.stringify(ids)) as Iterable<[number, Buffer]>;
  for (const [id, blob] of rows) {
    const vector =
      blob.byteOffset % 4 === 0
        ? new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4)
        : new Float32Array(new Uint8Array(blob).buffer);
    const norm = Math.sqrt(dot(vector, vector));
    for (const q of wanted.get(id) ?? []) {
      const query = queries[q] as Float32Array;
      similarity[q]?.set(id, dot(query, vector) / ((norms[q] ?? 0) * norm));
    }
  }
  return candidateLists.map((candidates, q) => {
    const scored = similarity[q] as Map<number, number>;
    const nearest = candidates
      .map((chunkId) => ({ chunkId, similarity: scored.get(chunkId) ?? Number.NaN }))
      .filter((h) => !Number.isNaN(h.similarity))
      .sort((a, b) => b.similarity - a.similarity || a.chunkId - b.chunkId)
      .slice(0, k);
    return { nearest, similarity: scored };
  });
}

/** a · b, in four running sums (four times as fast as one: the additions do not wait on each other). */
function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length - (a.length % 4);
  for (let i = 0; i < n; i += 4) {
    s0 += (a[i] as number) * (b[i] as number);
    s1 += (a[i + 1] as number) * (b[i + 1] as number);
    s2 += (a[i + 2] as number) * (b[i + 2] as number);
    s3 += (a[i + 3] as number) * (b[i + 3] as number);
  }
  for (let i = n; i < a.length; i++) s0 += (a[i] as number) * (b[i] as number);
  return s0 + s1 + s2 + s3;
}
