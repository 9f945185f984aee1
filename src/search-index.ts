import { fuse, type Scored } from "./fusion.js";
import { proximityRerank } from "./proximity.js";
import { lexicallyRelevant } from "./relevance.js";
import type { RetrievalMode, RetrievedChunk } from "./retriever.js";
import type { Store } from "./store/store.js";
import { buildFtsQuery } from "./text/fts-query.js";

/** Everything a search needs once the query is embedded; plain data, so it can cross to a worker thread. */
export interface IndexSearch {
  query: string;
  /** The query's embedding; absent for lexical search, or when a hybrid search could not embed it. */
  queryVector?: Float32Array | undefined;
  k: number;
  mode: RetrievalMode;
  /** Only chunks whose document source starts with this prefix. */
  filter?: { source?: string | undefined } | undefined;
  /** Cosine similarity at which a vector-only hit counts as relevant; Infinity = never. */
  minSimilarity: number;
}

export interface IndexSearchResult {
  results: RetrievedChunk[];
  /** False when nothing retrieved shares a content word with the query or is close enough in meaning. */
  relevant: boolean;
}

/** How many candidates each side contributes before fusion. */
function candidates(k: number): number {
  return Math.max(50, k * 5);
}

/**
 * The SQLite side of a retrieval, synchronous and self-contained: FTS5 BM25 with the proximity re-rank,
 * vector KNN, scoring every candidate on both sides, fusion, the relevance judge and the chunk fetch. The
 * same function runs in-process and in the search workers (src/store/search-pool.ts).
 */
export function searchIndex(
  store: Store,
  { query, queryVector, k, mode, filter, minSimilarity }: IndexSearch,
): IndexSearchResult {
  const allowed = filter?.source ? store.chunkIdsWithSourcePrefix(filter.source) : undefined;
  const n = candidates(k);
  const fts = buildFtsQuery(query);

  let lexical: Scored[] = [];
  if (mode !== "vector" && fts.match) {
    const hits = store.lexical(fts.match, n, allowed).map((h) => ({ id: h.chunkId, score: h.score }));
    lexical = proximityRerank(
      query,
      hits,
      (ids) => new Map(store.chunks(ids).map((c) => [c.chunkId, c.text])),
    );
  }
  let vector: Scored[] = [];
  if (mode !== "lexical" && queryVector)
    vector = store.vector(queryVector, n, allowed).map((h) => ({ id: h.chunkId, score: h.similarity }));
  const topSimilarity = vector[0]?.score ?? -1;
  if (mode === "hybrid" && queryVector) {
    // Score every candidate on both sides, so fusion compares real scores rather than guessing a floor
    // for a chunk that one side did not return.
    const inLexical = new Set(lexical.map((x) => x.id));
    const inVector = new Set(vector.map((x) => x.id));
    const lexicalOnly = [...inLexical].filter((id) => !inVector.has(id));
    const vectorOnly = [...inVector].filter((id) => !inLexical.has(id));
    if (lexicalOnly.length) {
      const extra = store.vector(queryVector, lexicalOnly.length, lexicalOnly);
      vector = [...vector, ...extra.map((h) => ({ id: h.chunkId, score: h.similarity }))];
    }
    if (vectorOnly.length) {
      const bottom = Math.min(0, ...lexical.map((x) => x.score));
      lexical = [...lexical, ...vectorOnly.map((id) => ({ id, score: bottom }))];
    }
  }

  const ranked = fuse(lexical, vector, mode).slice(0, k);
  const ids = ranked.map((r) => r.id);
  const relevant = ids.length > 0 && (lexicallyRelevant(store, query, ids) || topSimilarity >= minSimilarity);

  const scoreOf = new Map(ranked.map((r) => [r.id, r.score]));
  const results = store.chunks(ids).map((c) => ({ ...c, score: scoreOf.get(c.chunkId) ?? 0 }));
  return { results, relevant };
}
