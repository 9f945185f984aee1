/**
 * The types every part of retrieval shares, and that the answer side and the server read: they sit here,
 * below the modules that use them, so no module of retrieval imports one above it.
 */

import type { StoredChunk } from "../store/store.js";
import type { HistoryTurn } from "./conversation.js";
import type { Coverage, CoverageEvidence, CoverageJudgement } from "./coverage.js";

export type RetrievalMode = "hybrid" | "vector" | "lexical";

export interface RetrieveOptions {
  k: number;
  mode?: RetrievalMode;
  /** Only chunks whose document source starts with this prefix. */
  filter?: { source?: string | undefined } | undefined;
  signal?: AbortSignal;
  /**
   * Join neighbouring chunks of a section that are both in the results into one passage (passages.ts).
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

interface Retrieval {
  results: RetrievedChunk[];
  /** Whether the index covers the query, judged against the index's own calibration (coverage.ts). */
  coverage: Coverage;
  /** False when the index does not cover the query (coverage "not_covered"). */
  relevant: boolean;
  /** 0..1: the share of questions about absent documents whose evidence this query's evidence beats. */
  standing: CoverageJudgement["standing"];
  evidence: CoverageEvidence;
  /**
   * The standalone question a follow-up was rewritten into and searched for (beside the follow-up itself and
   * its folded conversation), or null when there was no rewrite, or it failed, or it changed nothing.
   */
  searchedFor: string | null;
  ms: number;
}

/**
 * Rewrites a follow-up into a question that stands on its own, given the conversation before it (the answer
 * layer's src/answer/standalone-question.ts asks the chat model). Resolves null when there is no usable
 * rewrite (too slow, an error, an output that is not a rewrite): the search then goes on with the folded
 * conversation alone. Rejects only when `signal` aborts.
 */
export type QuestionRewriter = (
  question: string,
  history: readonly HistoryTurn[],
  signal?: AbortSignal,
) => Promise<string | null>;

export interface Retriever {
  retrieve(query: string, options: RetrieveOptions): Promise<Retrieval>;
}
