import type { Store } from "../store/store.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms } from "../text/terms.js";

const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;

/**
 * How much of a question the retrieved passages hold, judged lexically: the largest share of the question's
 * content that one chunk holds, each part weighted by its IDF over the index. This is the lexical half of
 * the "does the index cover this question" evidence (src/retrieval/coverage.ts turns it into a decision).
 *
 * The parts of a question are its words that are not stopwords (nor the word after "how", which asks
 * rather than names), and each of its CJK characters that is not grammar. A CJK character counts as held
 * when one of the two character pairs it belongs to occurs in the chunk: "繼光餅是誰發明的" is held where
 * 繼光 or 光餅 occurs, not where 光 stands alone. Weighing character positions rather than pairs keeps the
 * pairs that span two words (餅是, 誰發) out of the sum: they occur nowhere and would drown the pairs that
 * name the subject. A word or character that occurs nowhere in the index weighs most: its absence is the
 * strongest sign that the documents do not cover the question. Matching goes through FTS5, so it stems
 * exactly as search does.
 *
 * Parts of the conversation before the question (a follow-up's subject) count at `contextWeight` of their
 * IDF: "And what happens if I do not?" is covered by a passage on descaling when the turn before asked
 * about descaling.
 */
export async function coverageScore(
  store: Store,
  query: string,
  chunkIds: number[],
  context?: QueryContext,
): Promise<number> {
  return coveredShare(store, await relevanceWeights(store, query, context), chunkIds);
}

/** The conversation a question is asked in, folded into one text, and how much its terms count. */
export interface QueryContext {
  text: string;
  /** 0..1: the weight of a context term relative to a term of the question itself. */
  weight: number;
}

/**
 * The question's parts with their weights: plain data, so it can cross to a worker thread. A part is held
 * by a chunk that contains any of its terms.
 */
export interface RelevanceWeights {
  parts: Array<{ terms: string[]; weight: number }>;
}

interface Part {
  key: string;
  terms: string[];
}

function questionParts(text: string): Part[] {
  const parts: Part[] = [];
  const t = extractTerms(text);
  for (const [i, w] of t.words.entries()) {
    if (!ENGLISH_STOPWORDS.has(w) && t.words[i - 1] !== "how") parts.push({ key: `w:${w}`, terms: [w] });
  }
  for (const [run] of text.matchAll(CJK_RUN)) {
    const r = extractTerms(run);
    for (const [j, c] of r.unigrams.entries()) {
      if (CJK_STOP_CHARS.has(c)) continue;
      const pairs = [r.bigrams[j - 1], r.bigrams[j]].filter((b): b is string => b !== undefined);
      const terms = pairs.length > 0 ? pairs : [c];
      parts.push({ key: `c:${terms.join(" ")}`, terms });
    }
  }
  const seen = new Set<string>();
  return parts.filter((p) => !seen.has(p.key) && seen.add(p.key));
}

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

/**
 * The first half of the judgement, which needs only the question and the index (so it can run before the
 * candidates are known, beside the vector search): the parts and their weights.
 */
export async function relevanceWeights(
  store: Store,
  query: string,
  context?: QueryContext,
): Promise<RelevanceWeights> {
  const total = Math.max(1, (await store.counts()).chunks);
  const known = new Map<string, number>();
  // Counting stops at 1,000 matches: past that a term is common, and an exact count of a very common term
  // would cost a search more than the weight is worth.
  const own = questionParts(query);
  const contextParts = context && context.weight > 0 ? questionParts(context.text) : [];
  // Asked all at once: on a database each count is a round trip, and they do not depend on each other.
  const terms = [...new Set([...own, ...contextParts].flatMap((p) => p.terms))];
  const counts = await Promise.all(terms.map((term) => store.countMatching(quote(term))));
  for (const [i, term] of terms.entries()) known.set(term, Math.log(1 + total / (1 + (counts[i] ?? 0))));
  const idf = (term: string) => known.get(term) ?? 0;
  // A character weighs as much as the commoner of its two pairs: inside a word both pairs are the word's,
  // at a word's edge the pair that spans into the next word is rare (or occurs nowhere) and would
  // overstate it.
  const weight = (p: Part) => Math.min(...p.terms.map(idf));
  const keys = new Set(own.map((p) => p.key));
  const parts = own.map((p) => ({ terms: p.terms, weight: weight(p) }));
  for (const p of contextParts) {
    if (!keys.has(p.key)) parts.push({ terms: p.terms, weight: (context?.weight ?? 0) * weight(p) });
  }
  return { parts };
}

/** The second half: the largest weighted share of the parts that one of the chunks holds (0..1). */
export async function coveredShare(
  store: Store,
  { parts }: RelevanceWeights,
  chunkIds: number[],
): Promise<number> {
  if (chunkIds.length === 0 || parts.length === 0) return 0;
  const whole = parts.reduce((sum, p) => sum + p.weight, 0);
  if (whole <= 0) return 0;
  // A term is looked up when first needed (a part's second term only where its first is absent), as before.
  const holding = new Map<string, Set<number>>();
  // Every part's first term is always looked up: those at once (round trips on a database), the rest lazily.
  const firsts = [...new Set(parts.map((p) => p.terms[0]).filter((t): t is string => t !== undefined))];
  const found = await Promise.all(firsts.map((term) => store.matching(quote(term), chunkIds)));
  for (const [i, term] of firsts.entries()) holding.set(term, found[i] ?? new Set());
  const holds = async (term: string, id: number) => {
    let ids = holding.get(term);
    if (!ids) {
      ids = await store.matching(quote(term), chunkIds);
      holding.set(term, ids);
    }
    return ids.has(id);
  };
  let best = 0;
  for (const id of chunkIds) {
    let held = 0;
    for (const p of parts) {
      for (const term of p.terms) {
        if (await holds(term, id)) {
          held += p.weight;
          break;
        }
      }
    }
    best = Math.max(best, held);
  }
  return best / whole;
}
