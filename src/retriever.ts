import type { Embedder } from "./embedder.js";
import { ModelNotFoundError, OllamaError, OllamaTimeoutError, OllamaUnavailableError } from "./errors.js";
import { type IndexSearch, type IndexSearchResult, searchIndex } from "./search-index.js";
import type { Store, StoredChunk } from "./store/store.js";

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
  /**
   * Runs the SQLite side of a search (`searchIndex`) somewhere else, e.g. in a worker pool
   * (src/store/search-pool.ts). Default: in-process on `store`.
   */
  search?: ((request: IndexSearch, signal?: AbortSignal) => Promise<IndexSearchResult>) | undefined;
}

export interface Retriever {
  retrieve(query: string, options: RetrieveOptions): Promise<Retrieval>;
}

function isOllamaFault(e: unknown): boolean {
  return (
    e instanceof OllamaUnavailableError ||
    e instanceof OllamaTimeoutError ||
    e instanceof OllamaError ||
    e instanceof ModelNotFoundError
  );
}

export function createRetriever({ store, embedder, minSimilarity, search }: RetrieverOptions): Retriever {
  const runSearch = search ?? (async (request: IndexSearch) => searchIndex(store, request));
  return {
    async retrieve(query, { k, mode = "hybrid", filter, signal }) {
      const started = performance.now();
      let queryVector: Float32Array | undefined;
      if (mode !== "lexical") {
        try {
          [queryVector] = await embedder.embed([query], { role: "query", signal });
        } catch (e) {
          // A hybrid search outlives Ollama: the words still match while the meaning cannot be asked for.
          if (mode === "vector" || signal?.aborted || !isOllamaFault(e)) throw e;
        }
      }
      const { results, relevant } = await runSearch(
        { query, queryVector, k, mode, filter, minSimilarity },
        signal,
      );
      return { results, relevant, ms: performance.now() - started };
    },
  };
}
