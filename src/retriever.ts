import type { Embedder } from "./embedder.js";
import { ModelNotFoundError, OllamaError, OllamaTimeoutError, OllamaUnavailableError } from "./errors.js";
import { fuse, type Scored } from "./fusion.js";
import { proximityRerank } from "./proximity.js";
import { lexicallyRelevant } from "./relevance.js";
import type { Store, StoredChunk } from "./store/store.js";
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

function isOllamaFault(e: unknown): boolean {
  return (
    e instanceof OllamaUnavailableError ||
    e instanceof OllamaTimeoutError ||
    e instanceof OllamaError ||
    e instanceof ModelNotFoundError
  );
}

export function createRetriever({ store, embedder, minSimilarity }: RetrieverOptions): Retriever {
  return {
    async retrieve(query, { k, mode = "hybrid", filter, signal }) {
      const started = performance.now();
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
      let queryVector: Float32Array | undefined;
      if (mode !== "lexical") {
        try {
          [queryVector] = await embedder.embed([query], { role: "query", signal });
        } catch (e) {
          // A hybrid search outlives Ollama: the words still match while the meaning cannot be asked for.
          if (mode === "vector" || signal?.aborted || !isOllamaFault(e)) throw e;
        }
        if (queryVector)
          vector = store.vector(queryVector, n, allowed).map((h) => ({ id: h.chunkId, score: h.similarity }));
      }
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
      const relevant =
        ids.length > 0 && (lexicallyRelevant(store, query, ids) || topSimilarity >= minSimilarity);

      const scoreOf = new Map(ranked.map((r) => [r.id, r.score]));
      const results = store.chunks(ids).map((c) => ({ ...c, score: scoreOf.get(c.chunkId) ?? 0 }));
      return { results, relevant, ms: performance.now() - started };
    },
  };
}
