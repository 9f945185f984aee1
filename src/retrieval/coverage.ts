/**
 * Whether the index covers a question: "answered", "partial" or "not_covered".
 *
 * There is no fixed threshold. A similarity of 0.5 means different things for different embedding models
 * (e5 scores nearly everything above 0.7, others rarely reach 0.5), and the share of a question's terms that
 * one passage holds means different things in Chinese and in English. So each index is calibrated against
 * itself (src/retrieval/calibration.ts): pseudo-questions cut from its own passages are searched with their own
 * document left out, and what they reach is what a question about a document that is *not* in the index
 * reaches. A real question's evidence is placed in that distribution, on each side: its standing there is
 * the share of those absent-document questions it beats.
 *
 * - lexical standing below REFUSE_BELOW (the best passage holds no more of the question than it would for a
 *   typical question about another document), or no passage holding even a third of the question
 *   (HOLDS_TOO_LITTLE), and no clear standing on the vector side: "not_covered", and the chat model is not
 *   asked;
 * - lexical standing from ANSWER_FROM up (better than nearly all of them), or above REFUSE_BELOW with the
 *   vector side as clear, and one passage holding most of the question (HOLDS_MOST): "answered";
 * - between: "partial" — the chat model is asked and told to say when the sources do not cover the
 *   question; an answer that cites nothing is then not grounded. The vector side alone can lift a question
 *   to here (a paraphrase that shares no word), never to "answered" nor below it.
 *
 * docs/answers.md has the measurements of both kinds of error.
 */
export type Coverage = "answered" | "partial" | "not_covered";

/** What a search found, as evidence of coverage (computed beside the search, src/retrieval/search-index.ts). */
export interface CoverageEvidence {
  /** The largest weighted share of the question's terms that one retrieved chunk holds (0..1). */
  lexical: number;
  /** The best cosine similarity on the vector side, or null when no vector was searched. */
  similarity: number | null;
}

/**
 * 2: the pseudo-questions' own document is left out of both sides of the search (version 1 left it in the
 * lexical side, which understated what questions about absent documents reach); an index calibrated before
 * is measured again.
 */
export const CALIBRATION_VERSION = 2;

/** What questions about documents that are not in the index reach, measured on the index itself. */
export interface Calibration {
  version: typeof CALIBRATION_VERSION;
  /** Chunks in the index when it was calibrated (a calibration is refreshed as the index grows). */
  chunks: number;
  embedModel: string;
  /** Sorted lexical evidence of the pseudo-questions. */
  lexical: number[];
  /** Sorted best similarities of the pseudo-questions, or null when the embedder could not be asked. */
  similarity: number[] | null;
}

const REFUSE_BELOW = 0.5;
/**
 * Whatever the calibration says, a question of which no retrieved passage holds a third is not covered
 * (unless the vector side is clear, or nothing else is). Where the documents are many and unrelated
 * (encyclopaedia articles), a typical question about another document holds only a fifth to a third, and the
 * median of the calibration alone refuses half of them; a question about a document that is there is held
 * by its passage far above a third (measured: 98 % of them on every dev set hold 0.36 or more, docs/answers.md).
 * The share is the same measure for every embedding model, and the calibration still decides where it
 * stands higher (a collection of papers on one topic).
 */
const HOLDS_TOO_LITTLE = 1 / 3;
const ANSWER_FROM = 0.9;
/**
 * "answered" also needs one passage to hold at least half of the question's weighted terms. In a small
 * index, questions about other documents share almost nothing with it, so standing high there says little;
 * and "answered" is a claim a reader relies on.
 */
const HOLDS_MOST = 0.5;

export interface CoverageJudgement {
  coverage: Coverage;
  /** 0..1: the share of absent-document pseudo-questions whose evidence this question's evidence beats. */
  standing: { lexical: number; vector: number | null };
}

/** The first index in sorted `samples` whose value is not below `x` (`orEqual`: above `x`). */
function rank(samples: number[], x: number, orEqual: boolean): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = samples[mid] ?? 0;
    if (v < x || (orEqual && v === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The share of sorted `samples` that `x` beats, a tie counting half. */
function below(samples: number[], x: number): number {
  if (samples.length === 0) return 0;
  return (rank(samples, x, false) + rank(samples, x, true)) / 2 / samples.length;
}

/** One passage holds every part of the question: never refused without asking the model. */
const HOLDS_ALL = 0.999;

/**
 * Without a calibration (an index too small to cut pseudo-questions from, or one not yet calibrated) only
 * the plain cases are decided: nothing shared is not covered, most of the question in one passage is
 * answered, and everything else goes to the chat model as partial.
 */
function uncalibrated(e: CoverageEvidence): CoverageJudgement {
  const standing = { lexical: e.lexical, vector: null };
  if (e.lexical <= 0) return { coverage: "not_covered", standing };
  return { coverage: e.lexical >= 0.5 ? "answered" : "partial", standing };
}

export function judgeCoverage(
  evidence: CoverageEvidence,
  calibration: Calibration | null,
  resultCount: number,
): CoverageJudgement {
  if (resultCount === 0) return { coverage: "not_covered", standing: { lexical: 0, vector: null } };
  if (!calibration || calibration.lexical.length === 0) return uncalibrated(evidence);
  const lexical = evidence.lexical > 0 ? below(calibration.lexical, evidence.lexical) : 0;
  const vector =
    evidence.similarity !== null && calibration.similarity && calibration.similarity.length > 0
      ? below(calibration.similarity, evidence.similarity)
      : null;
  const vectorClear = vector !== null && vector >= ANSWER_FROM;
  let coverage: Coverage;
  // A question that shares no content term with any retrieved passage is not lifted by the vector side.
  // In a collection whose documents share one vocabulary (a folder of similar manuals), questions about
  // absent documents can hold entirely too; a question one passage holds entirely still goes to the model.
  if (lexical < REFUSE_BELOW || evidence.lexical < HOLDS_TOO_LITTLE)
    coverage =
      (vectorClear && evidence.lexical > 0) || evidence.lexical >= HOLDS_ALL ? "partial" : "not_covered";
  else if ((lexical >= ANSWER_FROM || vectorClear) && evidence.lexical >= HOLDS_MOST) coverage = "answered";
  else coverage = "partial";
  return { coverage, standing: { lexical, vector } };
}
