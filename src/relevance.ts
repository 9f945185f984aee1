import type { Store } from "./store/store.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "./text/stopwords.js";
import { extractTerms } from "./text/terms.js";

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

/**
 * How much of a question the retrieved passages hold, judged lexically: the largest share of the question's
 * content that one chunk holds, each term weighted by its IDF over the index. This is the lexical half of
 * the "does the index cover this question" evidence (src/coverage.ts turns it into a decision).
 *
 * Content terms are the words that are not stopwords (nor the word after "how", which asks rather than
 * names) and every CJK character pair. A term that occurs nowhere in the index weighs most: its absence is
 * the strongest sign that the documents do not cover the question (the name of a place no document mentions).
 * Matching goes through FTS5, so it stems exactly as search does.
 *
 * Terms of the conversation before the question (a follow-up's subject) count at `contextWeight` of their
 * IDF: "And what happens if I do not?" is covered by a passage on descaling when the turn before asked
 * about descaling.
 */
export function coverageScore(
  store: Store,
  query: string,
  chunkIds: number[],
  context?: QueryContext,
): number {
  return coveredShare(store, relevanceWeights(store, query, context), chunkIds);
}

/** The conversation a question is asked in, folded into one text, and how much its terms count. */
export interface QueryContext {
  text: string;
  /** 0..1: the weight of a context term relative to a term of the question itself. */
  weight: number;
}

/** The question's content terms with their weights: plain data, so it can cross to a worker thread. */
export interface RelevanceWeights {
  terms: Array<[term: string, weight: number]>;
}

function contentTerms(text: string): string[] {
  const t = extractTerms(text);
  const words = t.words.filter((w, i) => !ENGLISH_STOPWORDS.has(w) && t.words[i - 1] !== "how");
  const terms = [...new Set([...words, ...t.bigrams])];
  return terms.length > 0 ? terms : [...new Set(t.unigrams.filter((c) => !CJK_STOP_CHARS.has(c)))];
}

/**
 * The first half of the judgement, which needs only the question and the index (so it can run before the
 * candidates are known, beside the vector search): the content terms and their weights.
 */
export function relevanceWeights(store: Store, query: string, context?: QueryContext): RelevanceWeights {
  const total = Math.max(1, store.counts().chunks);
  // Counting stops at 1,000 matches: past that a term is common, and an exact count of a very common term
  // would cost a search more than the weight is worth.
  const idf = (term: string) => Math.log(1 + total / (1 + store.countMatching(quote(term))));
  const own = contentTerms(query);
  const weights = new Map(own.map((term) => [term, idf(term)]));
  if (context && context.weight > 0) {
    for (const term of contentTerms(context.text)) {
      if (!weights.has(term)) weights.set(term, context.weight * idf(term));
    }
  }
  return { terms: [...weights] };
}

/** The second half: the largest weighted share of the terms that one of the chunks holds (0..1). */
export function coveredShare(store: Store, { terms }: RelevanceWeights, chunkIds: number[]): number {
  if (chunkIds.length === 0 || terms.length === 0) return 0;
  const whole = terms.reduce((sum, [, w]) => sum + w, 0);
  if (whole <= 0) return 0;
  const covered = new Map<number, number>();
  for (const [term, w] of terms) {
    for (const id of store.matching(quote(term), chunkIds)) covered.set(id, (covered.get(id) ?? 0) + w);
  }
  return Math.max(0, ...covered.values()) / whole;
}
