import { conversationContext, type HistoryTurn } from "../retrieval/conversation.js";
import type { RetrievedChunk } from "../retrieval/types.js";
import { lightStem } from "../text/stem.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms } from "../text/terms.js";

const sentenceSegmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });

function contentTerms(text: string): Set<string> {
  const t = extractTerms(text);
  return new Set([
    ...t.words.filter((w) => !ENGLISH_STOPWORDS.has(w)).map(lightStem),
    ...t.bigrams,
    ...t.unigrams.filter((c) => !CJK_STOP_CHARS.has(c)),
  ]);
}

/** A sentence that could be quoted, with the heading it sits under. */
interface Candidate {
  n: number;
  sentence: string;
  heading: string;
  order: number;
}

const LIST_ITEM = /^\s*(?:[-*•]|\d+[.)])\s+/;
const ENDS_SENTENCE = /[.!?。！？:：;；,，、)）"”'’]$/;

/**
 * A passage as a reader sees it: headings (Markdown `#` lines, and the short unpunctuated lines that PDF and
 * plain-text headings become) are not sentences but the context of the sentences under them; list items are
 * statements of their own; a single line break inside a paragraph is wrapping.
 */
export function statements(text: string): Array<{ sentence: string; heading: string }> {
  const out: Array<{ sentence: string; heading: string }> = [];
  let heading = "";
  let paragraph: string[] = [];
  const flush = () => {
    const body = paragraph.join(" ").replace(/\*\*|__/g, "");
    paragraph = [];
    for (const { segment } of sentenceSegmenter.segment(body)) {
      const sentence = segment.replace(/\s+/g, " ").trim();
      if (sentence.length >= 2) out.push({ sentence, heading });
    }
  };
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const next = lines[i + 1]?.trim() ?? "";
    if (line === "") {
      flush();
      continue;
    }
    const markdownHeading = /^#{1,6}\s+(.*)$/.exec(line);
    // A short line without a full stop that opens a paragraph is a heading; the first line of a passage
    // may be a longer title standing alone.
    const unpunctuated = paragraph.length === 0 && !LIST_ITEM.test(line) && !ENDS_SENTENCE.test(line);
    const size = { chars: Array.from(line).length, words: line.split(/\s+/).length };
    const bareHeading =
      unpunctuated &&
      ((next !== "" && size.chars <= 40 && size.words <= 6) ||
        (i === 0 && next === "" && size.chars <= 80 && size.words <= 12));
    if (markdownHeading || bareHeading) {
      flush();
      heading = (markdownHeading?.[1] ?? line).replace(/\*\*|__/g, "").trim();
      continue;
    }
    if (LIST_ITEM.test(line)) {
      flush();
      paragraph.push(line.replace(LIST_ITEM, ""));
      flush();
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return out;
}

/**
 * The answer when no chat model is available: the statements of the top sources that hold the most of the
 * question, each followed by the number of its source. Null when none shares anything with it.
 *
 * A term counts by how rare it is among the candidate statements (a word in every statement tells them
 * apart no better than none), a term of the heading a statement sits under counts half (the heading is its
 * subject: "Watering" above "Water in the early morning"), and a term of the conversation before a
 * follow-up counts at the conversation's weight. The best statement comes first; more follow from the
 * same source when they are at least half as good, and from another source only when nearly as good: one
 * source's answer is not padded with loosely related lines from others.
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

  const candidates: Candidate[] = [];
  sources.slice(0, 4).forEach((source, i) => {
    for (const s of statements(source.text)) candidates.push({ n: i + 1, ...s, order: candidates.length });
  });
  if (candidates.length === 0) return null;
  const termsOf = candidates.map((c) => contentTerms(c.sentence));
  const headingTerms = candidates.map((c) => contentTerms(c.heading));
  const frequency = new Map<string, number>();
  for (const terms of termsOf) for (const t of terms) frequency.set(t, (frequency.get(t) ?? 0) + 1);
  const rarity = (t: string) => 1 + Math.log(candidates.length / (frequency.get(t) ?? 1));
  const weightOf = (t: string) => (q.has(t) ? 1 : contextTerms.has(t) ? (context?.weight ?? 0) : 0);

  const scored = candidates.map((c, i) => {
    let score = 0;
    const own = termsOf[i] ?? new Set<string>();
    for (const t of own) score += weightOf(t) * (t.length > 1 ? 2 : 1) * rarity(t);
    for (const t of headingTerms[i] ?? []) {
      if (!own.has(t)) score += 0.5 * weightOf(t) * (t.length > 1 ? 2 : 1) * rarity(t);
    }
    return { ...c, score };
  });
  const ranked = scored.filter((c) => c.score > 0).sort((a, b) => b.score - a.score || a.order - b.order);
  const top = ranked[0];
  if (!top) return null;
  const picked = [top];
  for (const c of ranked.slice(1)) {
    if (picked.length >= maxSentences) break;
    if (picked.some((p) => p.sentence === c.sentence)) continue;
    const enough = c.n === top.n ? c.score * 2 > top.score : c.score >= 0.8 * top.score;
    if (enough) picked.push(c);
  }
  return picked.map((p) => `${p.sentence} [${p.n}]`).join("\n");
}
