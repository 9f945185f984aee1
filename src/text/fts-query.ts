import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "./stopwords.js";
import { extractTerms } from "./terms.js";

export interface FtsQuery {
  /** An FTS5 MATCH expression, or null when the text has no searchable term. */
  match: string | null;
  /** The single terms of `match` (words, CJK bigrams and unigrams, as FTS5 literals), and its phrases. */
  terms: { single: string[]; phrases: string[] };
  /** A MATCH expression over content terms only (words, CJK bigrams): a hit on it is a relevant hit. */
  keyMatch: string | null;
}

/** FTS5 string literal: double quotes inside are doubled, so no user text can become FTS5 syntax. */
function quote(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/**
 * Build an OR query over the question's content terms. Stopwords are dropped unless nothing else is left
 * (a question made only of stopwords still searches). CJK unigrams are included so single-character names
 * and terms still match; bigrams carry most of the weight through BM25's IDF.
 */
export function buildFtsQuery(text: string): FtsQuery {
  const t = extractTerms(text);
  const words = t.words.filter((w) => !ENGLISH_STOPWORDS.has(w));
  const unigrams = t.unigrams.filter((c) => !CJK_STOP_CHARS.has(c));
  const bigrams = t.bigrams;
  // Adjacent content words also go in as a phrase: a chunk with "incubation period" verbatim beats one
  // that mentions "incubation" and "period" far apart (measured in docs/retrieval.md).
  const phrases: string[] = [];
  for (let i = 1; i < t.words.length; i++) {
    const a = t.words[i - 1] ?? "";
    const b = t.words[i] ?? "";
    if (!ENGLISH_STOPWORDS.has(a) && !ENGLISH_STOPWORDS.has(b)) phrases.push(`${a} ${b}`);
  }
  let terms = [...new Set([...words, ...phrases, ...bigrams, ...unigrams])];
  if (terms.length === 0) terms = [...new Set([...t.words, ...t.unigrams])];
  const keyTerms = [...new Set([...words, ...bigrams])];
  if (keyTerms.length === 0) keyTerms.push(...unigrams);
  // Very long questions make huge OR queries; the first few hundred terms carry the meaning.
  const limited = terms.slice(0, 256);
  const orOf = (xs: string[]) => (xs.length ? xs.map(quote).join(" OR ") : null);
  const phraseSet = new Set(phrases);
  return {
    match: orOf(limited),
    keyMatch: orOf(keyTerms.slice(0, 256)),
    terms: {
      single: limited.filter((x) => !phraseSet.has(x)).map(quote),
      phrases: limited.filter((x) => phraseSet.has(x)).map(quote),
    },
  };
}
