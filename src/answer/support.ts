import { SIMPLIFIED_UNIT } from "../text/script-fold.js";
import { lightStem } from "../text/stem.js";
import { CJK_STOP_CHARS, ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms, fold } from "../text/terms.js";
import { citationNumbers } from "./citations.js";

/**
 * Every sentence of an answer checked against the passages it cites.
 *
 * A sentence is `supported` when one of its cited passages holds most of what it says, `weak` when one holds
 * some of it, `unsupported` when none does (or when it states a number that no cited passage contains), and
 * `uncited` when it cites nothing (a sentence without a marker is covered by the next marker in its paragraph,
 * as models often cite once at a paragraph's end). What a sentence says is its content: words (stopwords out, lightly
 * stemmed), numbers, and CJK character pairs, Traditional read as Simplified (so a Traditional answer is
 * checked against a Simplified passage). Numbers and names weigh more than other words: they are what a
 * wrong sentence gets wrong. `evidence` is where, in the best cited passage, the supporting text is: the
 * passage sentence that shares the most with the answer sentence, as character offsets into the passage text.
 *
 * Purely lexical, so it costs well under a millisecond per sentence (benchmark in docs/answers.md). It judges
 * whether the words of a claim are in its source, not whether the claim follows from it: a sentence that
 * reuses a passage's words to say the opposite passes. It is a check that catches a sentence taken from the
 * wrong source, one with a changed number and one with no source, not a proof.
 */
type Support = "supported" | "weak" | "unsupported" | "uncited";

export interface CheckedSentence {
  text: string;
  citations: number[];
  support: Support;
  /** 0..1: the weighted share of the sentence's content that its best cited passage holds. */
  score: number;
  /** The supporting text in the best cited passage (offsets into its `text`), or null. */
  evidence: { n: number; start: number; end: number } | null;
}

export interface SentenceCheck {
  sentences: CheckedSentence[];
  /** Sentences marked unsupported or uncited. */
  unsupported: number;
}

const SUPPORTED_FROM = 0.6;
const WEAK_FROM = 0.35;

const segmenter = new Intl.Segmenter(undefined, { granularity: "sentence" });
const MARKERS = /\s*\[\s*\d+\s*(?:(?:,|，|-|–)\s*\d+\s*)*\]/g;
const NUMBER = /\d+(?:[.,]\d+)*/g;

interface Content {
  /** term -> weight */
  terms: Map<string, number>;
  numbers: Set<string>;
  tokens: string[];
  /** Each number with the token before it and the token after it ("after 200", "200 boils"). */
  numberPairs: Set<string>;
}

const TOKEN = /\d+(?:[.,]\d+)*|\p{Script=Han}|[^\s\d\p{P}\p{S}\p{Script=Han}]+/gu;
const IS_NUMBER = /^\d/;

/** Folded tokens (words, single CJK characters read as Simplified, numbers). */
function tokens(text: string): string[] {
  return Array.from(fold(text).matchAll(TOKEN), (m) => {
    const t = m[0];
    if (t.length !== 1) return IS_NUMBER.test(t) ? normaliseNumber(t) : t;
    return String.fromCharCode(SIMPLIFIED_UNIT[t.charCodeAt(0)] || t.charCodeAt(0));
  });
}

/**
 * A number is where its source says it is when it stands beside the same word there: "after 200 boils"
 * is not supported by a passage with "100 boils" and an unrelated "200". Numbers inside a word (H1N1,
 * SARS-CoV-2) are numbers too.
 */
function pairsAround(list: string[], i: number): string[] {
  const t = list[i] ?? "";
  const before = list[i - 1];
  const after = list[i + 1];
  const pairs: string[] = [];
  if (before !== undefined) pairs.push(`${before} ${t}`);
  if (after !== undefined) pairs.push(`${t} ${after}`);
  return pairs.length > 0 ? pairs : [t];
}

const HAS_DIGIT = /\d/;

function numberPairs(list: string[]): Set<string> {
  const pairs = new Set<string>();
  for (const [i, t] of list.entries())
    if (HAS_DIGIT.test(t)) for (const p of pairsAround(list, i)) pairs.add(p);
  return pairs;
}

/** Whether every number of a sentence stands beside one of its neighbours in one of the passages. */
function numbersStand(sentence: string[], passages: Array<Set<string>>): boolean {
  return sentence.every(
    (t, i) =>
      !HAS_DIGIT.test(t) || pairsAround(sentence, i).some((p) => passages.some((pairs) => pairs.has(p))),
  );
}

const normaliseNumber = (n: string) => n.replace(/,(?=\d{3}\b)/g, "").replace(/\.0+$/, "");

function content(text: string): Content {
  const terms = new Map<string, number>();
  const t = extractTerms(text);
  const names = new Set(
    Array.from(text.matchAll(/\b\p{Lu}[\p{L}\p{N}-]+/gu), (m) => m[0].toLowerCase()).filter(
      (w) => w.length > 1,
    ),
  );
  for (const w of t.words) {
    if (ENGLISH_STOPWORDS.has(w) || /^\d/.test(w)) continue;
    terms.set(lightStem(w), names.has(w) ? 1.5 : 1);
  }
  for (const b of t.bigrams) terms.set(b, 1);
  if (t.bigrams.length === 0) for (const c of t.unigrams) if (!CJK_STOP_CHARS.has(c)) terms.set(c, 1);
  const numbers = new Set(Array.from(text.matchAll(NUMBER), (m) => normaliseNumber(m[0])));
  for (const n of numbers) terms.set(`#${n}`, 2);
  const list = tokens(text);
  return { terms, numbers, tokens: list, numberPairs: numberPairs(list) };
}

function share(sentence: Content, passage: Content): number {
  let whole = 0;
  let held = 0;
  for (const [term, weight] of sentence.terms) {
    whole += weight;
    if (passage.terms.has(term)) held += weight;
  }
  return whole > 0 ? held / whole : 0;
}

/** The answer's sentences with the source numbers each cites (a marker right after a full stop counts). */
export function answerSentences(answer: string): Array<{ text: string; citations: number[] }> {
  const out: Array<{ text: string; citations: number[] }> = [];
  for (const raw of answer.split(/\n+/)) {
    const lineStart = out.length;
    // "… soft. [1]" and "…一次。[2]": the marker belongs to the sentence before the full stop (the segmenter
    // would start the next sentence with it, or split inside it after a CJK full stop).
    const line = raw.replace(
      /([.!?。！？])(\s*)((?:\[[^\]\n]*\]\s*)+)/g,
      (_m, stop: string, space: string, marks: string) => `${marks.trim()}${stop}${space || " "}`,
    );
    for (const { segment } of segmenter.segment(line)) {
      // "… soft. [1] The descale …": the segmenter puts "[1]" at the start of the next sentence.
      const leading = /^\s*((?:\[[^\]]*\]\s*)+)/.exec(segment);
      const previous = out.at(-1);
      let rest = segment;
      if (leading?.[1] && previous) {
        previous.citations.push(
          ...citationNumbers(leading[1]).filter((n) => !previous.citations.includes(n)),
        );
        rest = segment.slice(leading[0].length);
      }
      const citations = citationNumbers(rest);
      const text = rest.replace(MARKERS, "").replace(/\s+/g, " ").trim();
      if (text) out.push({ text, citations: [...new Set(citations)] });
      else if (previous) previous.citations.push(...citations.filter((n) => !previous.citations.includes(n)));
    }
    // "X is Y. It also does Z. [1]": one marker at the end of a paragraph cites the sentences before it that
    // have none of their own.
    for (let i = out.length - 2; i >= lineStart; i--) {
      const sentence = out[i];
      const next = out[i + 1];
      if (sentence && next && sentence.citations.length === 0) sentence.citations = [...next.citations];
    }
  }
  return out;
}

interface Span {
  start: number;
  end: number;
  score: number;
}

/** Where in `passage` the text that best supports `sentence` is: the passage sentence sharing the most. */
function evidenceSpan(sentence: Content, passage: string): Span {
  // A single line break inside a paragraph is wrapping, not a sentence end; a space keeps every offset.
  const unwrapped = passage.replace(/([^\n])\n(?=[^\n])/g, "$1 ");
  const parts = Array.from(segmenter.segment(unwrapped), ({ segment, index }) => ({ segment, index })).filter(
    (p) => p.segment.trim() !== "",
  );
  const contents = parts.map((p) => content(p.segment));
  let bestAt = -1;
  let bestScore = -1;
  for (const [i, c] of contents.entries()) {
    const score = share(sentence, c);
    if (score > bestScore) [bestAt, bestScore] = [i, score];
  }
  const best = parts[bestAt];
  if (!best) return { start: 0, end: passage.length, score: 0 };
  const trimmed = best.segment.trimEnd();
  const lead = trimmed.length - trimmed.trimStart().length;
  return { start: best.index + lead, end: best.index + trimmed.length, score: bestScore };
}

export function checkSentences(answer: string, passages: ReadonlyMap<number, string>): SentenceCheck {
  const contents = new Map<number, Content>();
  const passageContent = (n: number) => {
    let c = contents.get(n);
    if (!c) {
      c = content(passages.get(n) ?? "");
      contents.set(n, c);
    }
    return c;
  };
  const sentences: CheckedSentence[] = [];
  for (const { text, citations } of answerSentences(answer)) {
    const own = content(text);
    // A sentence without content ("Here is what the documents say:") claims nothing to check.
    if (own.terms.size === 0) continue;
    const cited = citations.filter((n) => passages.has(n));
    if (cited.length === 0) {
      sentences.push({ text, citations, support: "uncited", score: 0, evidence: null });
      continue;
    }
    let bestN = cited[0] ?? 0;
    let bestScore = -1;
    for (const n of cited) {
      const s = share(own, passageContent(n));
      if (s > bestScore) [bestN, bestScore] = [n, s];
    }
    const span = evidenceSpan(own, passages.get(bestN) ?? "");
    const numbersFound = numbersStand(
      own.tokens,
      cited.map((n) => passageContent(n).numberPairs),
    );
    const support: Support = !numbersFound
      ? "unsupported"
      : bestScore >= SUPPORTED_FROM
        ? "supported"
        : bestScore >= WEAK_FROM
          ? "weak"
          : "unsupported";
    sentences.push({
      text,
      citations,
      support,
      score: Math.round(bestScore * 1000) / 1000,
      evidence: span.score > 0 ? { n: bestN, start: span.start, end: span.end } : null,
    });
  }
  const unsupported = sentences.filter((s) => s.support === "unsupported" || s.support === "uncited").length;
  return { sentences, unsupported };
}
