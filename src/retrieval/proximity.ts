import { ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms } from "../text/terms.js";
import type { Scored } from "./fusion.js";

/** A light English stem so "lasts" meets "last"; good enough for comparing a question with a passage. */
function lightStem(word: string): string {
  return word.length <= 4 ? word : word.replace(/(?:ing|ed|es|s)$/, "");
}

/** Content terms of a text: stemmed words without stopwords, and CJK character pairs. */
function contentTerms(text: string): string[] {
  const t = extractTerms(text);
  return [...t.words.filter((w) => !ENGLISH_STOPWORDS.has(w)).map(lightStem), ...t.bigrams];
}

const SENTENCE_END = /(?<=[.!?])\s+|(?<=[。！？；])/;

/**
 * Re-rank the best lexical candidates by term proximity. BM25 scores a chunk as a bag of words; the
 * passage that answers a question usually holds most of the question's terms within a sentence or two.
 * Each candidate gets its BM25 score (scaled to the best) plus `weight` times the IDF-weighted share of
 * the question's terms found in its best window of two adjacent sentences. IDF here is over the candidates
 * themselves, so a term every candidate has counts for little. Only the first `depth` candidates move.
 */
export async function proximityRerank(
  query: string,
  candidates: Scored[],
  textOf: (ids: number[]) => Promise<Map<number, string>>,
  weight = 1,
  depth = 20,
): Promise<Scored[]> {
  const terms = [...new Set(contentTerms(query))];
  if (terms.length < 2 || candidates.length < 2) return candidates;
  const head = candidates.slice(0, depth);
  const texts = await textOf(head.map((c) => c.id));
  const windows = new Map<number, Array<Set<string>>>();
  const df = new Map<string, number>();
  const asked = new Set(terms);
  for (const c of head) {
    // Only the question's terms are looked up below: a sentence keeps just those (smaller sets, same result).
    const sentences = (texts.get(c.id) ?? "")
      .split(SENTENCE_END)
      .map((s) => new Set(contentTerms(s).filter((t) => asked.has(t))));
    const pairs = sentences.map((s, i) => new Set([...s, ...(sentences[i + 1] ?? [])]));
    windows.set(c.id, pairs);
    const all = new Set(sentences.flatMap((s) => [...s]));
    for (const t of terms) if (all.has(t)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  const idf = new Map(terms.map((t) => [t, Math.log(1 + head.length / (1 + (df.get(t) ?? 0)))]));
  const total = terms.reduce((sum, t) => sum + (idf.get(t) ?? 0), 0) || 1;
  const top = head[0]?.score || 1;
  const rescored = head.map((c) => {
    let best = 0;
    for (const w of windows.get(c.id) ?? []) {
      let s = 0;
      for (const t of terms) if (w.has(t)) s += idf.get(t) ?? 0;
      if (s > best) best = s;
    }
    return { id: c.id, score: c.score / top + weight * (best / total) };
  });
  rescored.sort((a, b) => b.score - a.score || a.id - b.id);
  // Candidates below the re-ranked head keep their order, scaled the same way, and stay below it.
  const floor = Math.min(...rescored.map((r) => r.score));
  const tail = candidates
    .slice(depth)
    .map((c) => ({ id: c.id, score: Math.min(c.score / top, floor - 1e-9) }));
  return [...rescored, ...tail];
}
