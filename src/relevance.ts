import type { Store } from "./store/store.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "./text/stopwords.js";
import { extractTerms } from "./text/terms.js";

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

/**
 * Whether the retrieved chunks can answer the question at all, judged lexically: one chunk must hold at
 * least half of the question's content, each term weighted by its IDF over the index (a word no document
 * contains weighs most: its absence is the strongest sign the documents do not cover the question).
 *
 * Content terms are the words that are not stopwords (nor the word after "how", which asks rather than
 * names), and the CJK character pairs that occur in the index: pairs spanning two words, like 期是 in
 * 借期是幾天, occur nowhere and would only dilute the count. Matching goes through FTS5, so it stems
 * exactly as search does.
 */
export function lexicallyRelevant(store: Store, query: string, chunkIds: number[]): boolean {
  return coveredEnough(store, relevanceWeights(store, query), chunkIds);
}

/** The question's content terms with their IDF weights: plain data, so it can cross to a worker thread. */
export interface RelevanceWeights {
  terms: Array<[term: string, idf: number]>;
}

/**
 * The first half of the judgement, which needs only the question and the index (so it can run before the
 * candidates are known, beside the vector search): the content terms and their IDF weights.
 */
export function relevanceWeights(store: Store, query: string): RelevanceWeights {
  const t = extractTerms(query);
  const words = t.words.filter((w, i) => !ENGLISH_STOPWORDS.has(w) && t.words[i - 1] !== "how");
  const total = Math.max(1, store.counts().chunks);
  const df = new Map<string, number>();
  const frequency = (term: string) => {
    const known = df.get(term);
    if (known !== undefined) return known;
    const n = store.countMatching(quote(term));
    df.set(term, n);
    return n;
  };
  let terms = [...new Set([...words, ...t.bigrams.filter((b) => frequency(b) > 0)])];
  if (terms.length === 0) terms = [...new Set(t.unigrams.filter((c) => !CJK_STOP_CHARS.has(c)))];
  return { terms: terms.map((term) => [term, Math.log(1 + total / (1 + frequency(term)))]) };
}

/** The second half: whether one of the chunks holds at least half of the weighted terms. */
export function coveredEnough(store: Store, { terms }: RelevanceWeights, chunkIds: number[]): boolean {
  if (chunkIds.length === 0 || terms.length === 0) return false;
  const whole = terms.reduce((sum, [, idf]) => sum + idf, 0);
  const covered = new Map<number, number>();
  for (const [term, idf] of terms) {
    for (const id of store.matching(quote(term), chunkIds)) covered.set(id, (covered.get(id) ?? 0) + idf);
  }
  return Math.max(0, ...covered.values()) >= whole / 2;
}
