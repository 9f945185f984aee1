import type { Embedder } from "../embedding/embedder.js";
import { ModelNotFoundError, OllamaError, OllamaTimeoutError, OllamaUnavailableError } from "../errors.js";
import type { Store } from "../store/store.js";
import { conversationContext, foldVectors } from "./conversation.js";
import { type Calibration, judgeCoverage } from "./coverage.js";
import { mergeAdjacent } from "./passages.js";
import {
  type IndexSearchResult,
  inProcessSteps,
  type LexicalSide,
  type SearchSteps,
  withoutVectorSide,
} from "./search-index.js";
import type { QuestionRewriter, Retriever } from "./types.js";

export interface RetrieverOptions {
  store: Store;
  embedder: Embedder;
  /** The index's coverage calibration (calibration.ts), or null before there is one. */
  calibration?: (() => Promise<Calibration | null>) | undefined;
  /**
   * Runs the index side of a search somewhere else, e.g. in a worker pool (search-pool.ts).
   * Default: in-process on `store`.
   */
  steps?: SearchSteps | undefined;
  /** Asks for a follow-up's standalone form before it is searched (only when there is history). */
  rewrite?: QuestionRewriter | undefined;
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
export function createRetriever({
  store,
  embedder,
  calibration,
  steps,
  rewrite,
}: RetrieverOptions): Retriever {
  const run = steps ?? inProcessSteps(store);
  return {
    async retrieve(question, { k, mode = "hybrid", filter, signal, merge = true, history = [] }) {
      const started = performance.now();
      const context = conversationContext(history);
      const rewritten = context && rewrite ? await rewrite(question, history, signal) : null;
      const searchedFor = rewritten && rewritten !== question ? rewritten : null;
      // The rewrite is one more input, not a replacement: the user's own words still count in full and the
      // conversation at half weight, so a rewrite that loses the subject cannot lose it for the search.
      const query = searchedFor ? `${question}\n${searchedFor}` : question;
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
        // Ollama did not answer: a question of only common terms is searched by its words after all.
        const words = await withoutVectorSide(
          (r) => run.lexical(r, signal),
          { ...request, queryVector },
          lexicalSide,
        );
        found = await run.finish({ ...request, queryVector }, words, vectorSide, signal);
      }
      const { results, evidence } = found;
      const { coverage, standing } = judgeCoverage(evidence, (await calibration?.()) ?? null, results.length);
      return {
        results: merge ? mergeAdjacent(results) : results,
        coverage,
        relevant: coverage !== "not_covered",
        standing,
        evidence,
        searchedFor,
        ms: performance.now() - started,
      };
    },
  };
}
