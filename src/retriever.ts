import type { Embedder } from "./embedder.js";
import { fuse } from "./fusion.js";
import type { StoredChunk, Store } from "./store/store.js";
import { buildFtsQuery } from "./text/fts-query.js";

export type RetrievalMode = "hybrid" | "vector" | "lexical";

export interface RetrieveOptions {
  k: number;
  mode?: RetrievalMode;
  /** Only chunks whose document source starts with this prefix. */
  filter?: { source?: string | undefined } | undefined;
  signal?: AbortSignal;
}

export interface RetrievedChunk extends StoredChunk {
  score: number;
}

export interface Retrieval {
  results: RetrievedChunk[];
  /** False when nothing retrieved shares a content word with the query or is close enough in meaning. */
  relevant: boolean;
  ms: number;
}

export interface RetrieverOptions {
  store: Store;
  embedder: Embedder;
  /** Cosine similarity at which a vector-only hit counts as relevant; Infinity = never. */
  minSimilarity: number;
}

export interface Retriever {
  retrieve(query: string, options: RetrieveOptions): Promise<Retrieval>;
}

/** How many candidates each side contributes before fusion. */
function candidates(k: number): number {
  return Math.max(50, k * 5);
}

export function createRetriever({ store, embedder, minSimilarity }: RetrieverOptions): Retriever {
  return {
    async retrieve(query, { k, mode = "hybrid", filter, signal }) {
      const started = performance.now();
      const allowed = filter?.source ? store.chunkIdsWithSourcePrefix(filter.source) : undefined;
      const n = candidates(k);
      const fts = buildFtsQuery(query);

      const lexical = mode !== "vector" && fts.match ? store.lexical(fts.match, n, allowed) : [];
      let vector: ReturnType<Store["vector"]> = [];
      if (mode !== "lexical") {
        const [q] = await embedder.embed([query], { role: "query", signal });
        if (q) vector = store.vector(q, n, allowed);
      }

      const ranked = fuse(
        lexical.map((h) => ({ id: h.chunkId, score: h.score })),
        vector.map((h) => ({ id: h.chunkId, score: h.similarity })),
        mode,
      ).slice(0, k);

      const ids = ranked.map((r) => r.id);
      const contentHits = fts.keyMatch ? store.matching(fts.keyMatch, ids) : new Set<number>();
      const topSimilarity = vector[0]?.similarity ?? -1;
      const relevant = ids.length > 0 && (contentHits.size > 0 || topSimilarity >= minSimilarity);

      const scoreOf = new Map(ranked.map((r) => [r.id, r.score]));
      const results = store.chunks(ids).map((c) => ({ ...c, score: scoreOf.get(c.chunkId) ?? 0 }));
      return { results, relevant, ms: performance.now() - started };
    },
  };
}
