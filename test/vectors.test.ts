import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../src/store/database.js";
import { type ChunkToStore, openStore, type SqliteStore, type Store } from "../src/store/store.js";
import { hasBinaryColumn, knn, knnBatch } from "../src/store/vectors.js";
import { syntheticPassages, syntheticQueries } from "./bench/corpus.js";
import { testChunk } from "./helpers/stored-chunks.js";
import { tempDir } from "./helpers/tmp.js";
import { lexicalEmbedding } from "./stand-in/lexical-embedding.js";

const DIMS = 768;
const embed = (text: string) => Float32Array.from(lexicalEmbedding(text, DIMS));

/** 30 documents of 100 passages: 3,000 real-text vectors from the stand-in's embedding function. */
async function fill(store: Store, documents = 30): Promise<void> {
  for (let d = 0; d < documents; d++) {
    const { doc, passages } = syntheticPassages(11, d, 100);
    const chunks: ChunkToStore[] = passages.map((text) =>
      testChunk(text, { tokens: 400, context: doc.title, vector: embed(`${doc.title}\n${text}`) }),
    );
    const meta = {
      root: "/docs",
      title: doc.title,
      format: "markdown",
      hash: `h${d}`,
      bytes: 1,
      pages: null,
      embedModel: "nomic-embed-text",
    };
    await store.replaceDocument({ ...meta, path: path.join("/docs", doc.name), source: doc.name }, chunks);
  }
}

const ids = (hits: Array<{ chunkId: number }>) => hits.map((h) => h.chunkId);

function recallAt10(store: SqliteStore, queries: Float32Array[], allowed?: number[]): number {
  let found = 0;
  for (const q of queries) {
    const exact = new Set(ids(knn(store.db, q, 10, allowed, { exact: true })));
    found += ids(knn(store.db, q, 10, allowed)).filter((id) => exact.has(id)).length / exact.size;
  }
  return found / queries.length;
}

describe("vector search: binary-quantised candidates rescored exactly", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const queries = syntheticQueries(40, 3).map(embed);

  beforeAll(async () => {
    tmp = tempDir();
    store = openStore(path.join(tmp.dir, "index.db"));
    await store.ensureIndexInfo({ embedModel: "nomic-embed-text", dimensions: DIMS });
    await fill(store);
  });
  afterAll(async () => {
    await store.close();
    tmp.cleanup();
  });

  it("finds the same top 10 as exact search (recall@10 >= 0.95)", async () => {
    expect(hasBinaryColumn(store.db)).toBe(true);
    expect(recallAt10(store, queries)).toBeGreaterThanOrEqual(0.95);
  });

  it("returns exact cosine similarities, best first", async () => {
    const q = queries[0] as Float32Array;
    const fast = knn(store.db, q, 5);
    const exact = knn(store.db, q, 5, undefined, { exact: true });
    expect(fast[0]?.chunkId).toBe(exact[0]?.chunkId);
    expect(fast[0]?.similarity).toBeCloseTo(exact[0]?.similarity ?? Number.NaN, 5);
    expect(fast.map((h) => h.similarity)).toEqual([...fast.map((h) => h.similarity)].sort((a, b) => b - a));
  });

  it("keeps to the allowed chunks, small filters exactly and large ones through the codes", async () => {
    const all = store.db.prepare("SELECT id FROM chunks ORDER BY id").pluck().all() as number[];
    const small = all.filter((id) => id % 20 === 0); // 150 chunks: scored one by one
    const large = all.filter((id) => id % 2 === 0); // 1,500 chunks: Hamming search with a rowid filter
    for (const allowed of [small, large]) {
      const set = new Set(allowed);
      for (const q of queries.slice(0, 10)) {
        const hits = knn(store.db, q, 10, allowed);
        expect(hits).toHaveLength(10);
        expect(hits.every((h) => set.has(h.chunkId))).toBe(true);
      }
      expect(recallAt10(store, queries, allowed)).toBeGreaterThanOrEqual(0.95);
    }
    expect(knn(store.db, queries[0] as Float32Array, 10, [])).toEqual([]);
  });

  it("searches many queries in one pass with the hits and similarities of one search at a time", async () => {
    const all = store.db.prepare("SELECT id FROM chunks ORDER BY id").pluck().all() as number[];
    const extra = queries.map((_, i) => all.filter((id) => id % 97 === i % 97).slice(0, 12));
    const batch = knnBatch(store.db, queries, 50, extra);
    expect(batch).toHaveLength(queries.length);
    for (const [i, q] of queries.entries()) {
      const one = knn(store.db, q, 50);
      const many = batch?.[i];
      expect(ids(many?.nearest ?? [])).toEqual(ids(one));
      for (const [j, hit] of one.entries())
        expect(many?.nearest[j]?.similarity).toBeCloseTo(hit.similarity, 6);
      // The extra chunks are scored as knn() scores an allowed list.
      for (const hit of knn(store.db, q, 12, extra[i]))
        expect(many?.similarity.get(hit.chunkId)).toBeCloseTo(hit.similarity, 6);
    }
    // Exact search goes one query at a time.
    const exactStore = openStore(store.file, { exactSearch: true });
    try {
      expect(await exactStore.vectorBatch(queries, 10, [])).toBeUndefined();
    } finally {
      await exactStore.close();
    }
  });

  it("searches exactly when the store is opened with exactSearch", async () => {
    const exactStore = openStore(store.file, { exactSearch: true });
    try {
      for (const q of queries.slice(0, 5)) {
        expect(await exactStore.vector(q, 10)).toEqual(knn(store.db, q, 10, undefined, { exact: true }));
      }
    } finally {
      await exactStore.close();
    }
  });
});

describe("an index made before the binary column existed", () => {
  it("still stores and searches vectors, exactly", async () => {
    const tmp = tempDir();
    const file = path.join(tmp.dir, "old.db");
    const db = openDatabase(file);
    db.exec(`CREATE VIRTUAL TABLE chunks_vec USING vec0(embedding float[${DIMS}] distance_metric=cosine)`);
    db.close();
    const store = openStore(file);
    try {
      await store.ensureIndexInfo({ embedModel: "nomic-embed-text", dimensions: DIMS });
      expect(hasBinaryColumn(store.db)).toBe(false);
      await fill(store, 3);
      const q = embed(syntheticQueries(1, 5)[0] as string);
      const hits = await store.vector(q, 10);
      expect(hits).toHaveLength(10);
      expect(hits).toEqual(knn(store.db, q, 10, undefined, { exact: true }));
      const allowed = ids(hits).slice(0, 3);
      expect(ids(await store.vector(q, 10, allowed)).sort()).toEqual([...allowed].sort());
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
