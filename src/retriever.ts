import { conversationContext, foldVectors, type HistoryTurn } from "./conversation.js";
import {
  type Calibration,
  type Coverage,
  type CoverageEvidence,
  type CoverageJudgement,
  judgeCoverage,
} from "./coverage.js";
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
  /** The conversation before the query: a follow-up is searched for what it means in it. */
  history?: readonly HistoryTurn[] | undefined;
}

export interface RetrievedChunk extends StoredChunk {
  score: number;
  /** The chunks this result spans, in document order: neighbours retrieved together are one passage. */
  chunkIds: number[];
}

export interface Retrieval {
  results: RetrievedChunk[];
  /** Whether the index covers the query, judged against the index's own calibration (src/coverage.ts). */
  coverage: Coverage;
  /** False when the index does not cover the query (coverage "not_covered"). */
  relevant: boolean;
  /** 0..1: the share of questions about absent documents whose evidence this query's evidence beats. */
  standing: CoverageJudgement["standing"];
  evidence: CoverageEvidence;
  ms: number;
}

export interface RetrieverOptions {
  store: Store;
  embedder: Embedder;
  /** The index's coverage calibration (src/calibration.ts), or null before there is one. */
  calibration?: (() => Calibration | null) | undefined;
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
export function createRetriever({ store, embedder, calibration, steps }: RetrieverOptions): Retriever {
  const run = steps ?? inProcessSteps(store);
  return {
    async retrieve(query, { k, mode = "hybrid", filter, signal, merge = true, history = [] }) {
      const started = performance.now();
      const context = conversationContext(history);
      const request = { query, k, mode, filter, context };
      const texts = context ? [query, context.text] : [query];
      const embedding: Promise<Float32Array | undefined> =
        mode === "lexical"
          ? Promise.resolve(undefined)
          : embedder.embed(texts, { role: "query", signal }).then(
              ([vector, contextVector]) =>
                vector && contextVector && context
                  ? foldVectors(vector, contextVector, context.weight)
                  : vector,
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
      const { results, evidence } = found;
      const { coverage, standing } = judgeCoverage(evidence, calibration?.() ?? null, results.length);
      return {
        results: merge ? mergeAdjacent(results) : results,
        coverage,
        relevant: coverage !== "not_covered",
        standing,
        evidence,
        ms: performance.now() - started,
      };
    },
  };
}
