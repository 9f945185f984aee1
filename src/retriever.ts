import type { Embedder } from "./embedder.js";
import { ModelNotFoundError, OllamaError, OllamaTimeoutError, OllamaUnavailableError } from "./errors.js";
import { mergeAdjacent } from "./passages.js";
import {
  type IndexSearchResult,
  inProcessSteps,
  type LexicalSide,
  type SearchSteps,
} from "./search-index.js";
import type { Store, StoredChunk } from "./store/store.js";

export type RetrievalMode = "hybrid" | "vector" | "lexical";

export interface RetrieveOptions {
  k: number;
  mode?: RetrievalMode;
  /** Only chunks whose document source starts with this prefix. */
  filter?: { source?: string | undefined } | undefined;
  signal?: AbortSignal;
  /**
   * Join neighbouring chunks of a section that are both in the results into one passage (src/passages.ts).
   * Default true; the eval turns it off to judge every prefix of one ranking as its own result list.
   */
  merge?: boolean;
}

export interface RetrievedChunk extends StoredChunk {
  score: number;
  /** The chunks this result spans, in document order: neighbours retrieved together are one passage. */
  chunkIds: number[];
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
   * Runs the SQLite side of a search somewhere else, e.g. in a worker pool (src/store/search-pool.ts).
   * Default: in-process on `store`.
   */
  steps?: SearchSteps | undefined;
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

/**
 * The lexical side starts at once, while the query is being embedded; the vector side starts as soon as
 * the embedding arrives (beside the lexical side when the steps run in a worker pool); then both meet.
 */
export function createRetriever({ store, embedder, minSimilarity, steps }: RetrieverOptions): Retriever {
  const run = steps ?? inProcessSteps(store);
  return {
    async retrieve(query, { k, mode = "hybrid", filter, signal, merge = true }) {
      const started = performance.now();
      const request = { query, k, mode, filter, minSimilarity };
      const embedding: Promise<Float32Array | undefined> =
        mode === "lexical"
          ? Promise.resolve(undefined)
          : embedder.embed([query], { role: "query", signal }).then(
              ([vector]) => vector,
              (e: unknown) => {
                // A hybrid search outlives Ollama: the words still match while the meaning cannot be asked for.
                if (mode === "vector" || signal?.aborted || !isOllamaFault(e)) throw e;
                return undefined;
              },
            );
      const lexical = run.lexical(request, signal);
      let lexicalDone: LexicalSide | undefined;
      lexical.then(
        (side) => {
          lexicalDone = side;
        },
        () => {},
      );
      const queryVector = await embedding;
      let found: IndexSearchResult;
      if (queryVector && lexicalDone) {
        // The usual case with a real model: the words were searched while the query was embedded, so the
        // vector side and the finish go to a worker as one job.
        found = await run.vectorAndFinish({ ...request, queryVector }, lexicalDone, signal);
      } else {
        const vector = queryVector ? run.vector({ ...request, queryVector }, signal) : Promise.resolve([]);
        const [lexicalSide, vectorSide] = await Promise.all([lexical, vector]);
        found = await run.finish({ ...request, queryVector }, lexicalSide, vectorSide, signal);
      }
      const { results, relevant } = found;
      return { results: merge ? mergeAdjacent(results) : results, relevant, ms: performance.now() - started };
    },
  };
}
