import { conversationContext, type HistoryTurn } from "../conversation.js";
import type { RetrievedChunk } from "../retriever.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms } from "../text/terms.js";

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });

/** A light English stem so "lasts" meets "last" and "watered" meets "water". */
function stem(word: string): string {
  if (word.length <= 4) return word;
  return word.replace(/(?:ing|ed|es|s)$/, "");
}

function contentTerms(text: string): Set<string> {
  const t = extractTerms(text);
  return new Set([
    ...t.words.filter((w) => !ENGLISH_STOPWORDS.has(w)).map(stem),
    ...t.bigrams,
    ...t.unigrams.filter((c) => !CJK_STOP_CHARS.has(c)),
  ]);
}

/**
 * The answer when no chat model is available: the sentences of the top sources that share the most
 * content terms with the question, each followed by the number of its source. Null when none shares any.
 */
export function extractiveAnswer(
  question: string,
  sources: RetrievedChunk[],
  maxSentences = 3,
  history: readonly HistoryTurn[] = [],
): string | null {
  const q = contentTerms(question);
  // A follow-up's subject sits in the conversation: its terms count, at the conversation's lower weight.
  const context = conversationContext(history);
  const contextTerms = context ? contentTerms(context.text) : new Set<string>();
  if (q.size === 0 && contextTerms.size === 0) return null;
  const picks: Array<{ n: number; sentence: string; score: number; order: number }> = [];
  sources.slice(0, 4).forEach((source, i) => {
    let best: { sentence: string; score: number } | null = null;
    // Markdown heading lines are structure, not statements worth quoting as an answer.
    // A single line break inside a paragraph is wrapping, not the end of a sentence (list items excepted).
    const body = source.text
      .replace(/^#{1,6}\s.*$/gm, "")
      .replace(/\*\*|__/g, "")
      .replace(/([^\n])\n(?![\n\-*•]|\d+[.)]\s)/g, "$1 ");
    for (const { segment } of sentenceSegmenter.segment(body)) {
      const sentence = segment.replace(/\s+/g, " ").trim();
      if (sentence.length < 2) continue;
      let score = 0;
      for (const term of contentTerms(sentence)) {
        const weight = q.has(term) ? 1 : contextTerms.has(term) ? (context?.weight ?? 0) : 0;
        score += weight * (term.length > 1 ? 2 : 1);
      }
      if (score > 0 && (!best || score > best.score)) best = { sentence, score };
    }
    if (best) picks.push({ n: i + 1, ...best, order: i });
  });
  if (picks.length === 0) return null;
  // Only sentences about as relevant as the best one: a lone shared word is not an answer.
  const best = Math.max(...picks.map((p) => p.score));
  return picks
    .filter((p) => p.score * 2 > best)
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, maxSentences)
    .map((p) => `${p.sentence} [${p.n}]`)
    .join("\n");
}
