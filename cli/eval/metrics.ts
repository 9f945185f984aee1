import { estimateTokens } from "../../src/text/tokens.js";

/** Retrieval metrics for one evaluation set (definitions in ../shared/eval/README.md). */
export interface Question {
  id: string;
  question: string;
  answers: string[];
  /** "docs/<file>" relative to the set folder. */
  source: string;
  page: number | null;
  evidence?: string;
}

export interface Hit {
  source: string;
  page: number | null;
  text: string;
}

export interface SetMetrics {
  questions: number;
  answerHit1: number;
  answerHit5: number;
  answerHit10: number;
  docHit5: number;
  /** null when no question names a page. */
  pageHit5: number | null;
  mrr: number;
  /** Median estimated tokens of the top-5 results: the context they cost a chat model. */
  tokens5P50: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** Whitespace removed and case folded, as the eval sets define answer matching. */
export function normaliseForMatch(text: string): string {
  return text.replace(/\s+/g, "").toLowerCase();
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

export interface Outcome {
  /** Whether the result list for k = 1, 5 and 10 holds a gold answer in one of its passages. */
  answerHit1: boolean;
  answerHit5: boolean;
  answerHit10: boolean;
  /** 1 / the rank of the first passage of the k = 10 list that holds a gold answer; 0 if none does. */
  reciprocalRank: number;
  docHit5: boolean;
  pageHit5: boolean | null;
  /** Estimated tokens of the k = 5 list's passages: what those results cost a chat model's context. */
  tokens5: number;
}

/** The first 1-based position in `hits` whose text holds one of the (normalised) answers, or null. */
function answerRank(answers: string[], hits: Hit[]): number | null {
  for (const [i, h] of hits.entries()) {
    const text = normaliseForMatch(h.text);
    if (answers.some((a) => text.includes(a))) return i + 1;
  }
  return null;
}

/**
 * Judge one question. `resultsFor(k)` is the result list a search with that k returns (neighbouring
 * chunks joined into passages, src/retrieval/passages.ts), so each hit@k is measured on exactly what a user asking
 * for k results would get, and never on text from below rank k.
 */
export function judge(q: Question, resultsFor: (k: number) => Hit[]): Outcome {
  const answers = q.answers.map(normaliseForMatch).filter((a) => a.length > 0);
  const want = q.source.replace(/^docs\//, "");
  const top5 = resultsFor(5);
  const rank10 = answerRank(answers, resultsFor(10));
  return {
    answerHit1: answerRank(answers, resultsFor(1)) !== null,
    answerHit5: answerRank(answers, top5) !== null,
    answerHit10: rank10 !== null,
    reciprocalRank: rank10 ? 1 / rank10 : 0,
    docHit5: top5.some((h) => h.source === want),
    pageHit5: q.page === null ? null : top5.some((h) => h.source === want && h.page === q.page),
    tokens5: top5.reduce((sum, h) => sum + estimateTokens(h.text), 0),
  };
}

export function summarise(outcomes: Outcome[], latenciesMs: number[]): SetMetrics {
  const n = outcomes.length || 1;
  const rate = (f: (o: Outcome) => boolean) => outcomes.filter(f).length / n;
  const paged = outcomes.filter((o) => o.pageHit5 !== null);
  return {
    questions: outcomes.length,
    answerHit1: rate((o) => o.answerHit1),
    answerHit5: rate((o) => o.answerHit5),
    answerHit10: rate((o) => o.answerHit10),
    docHit5: rate((o) => o.docHit5),
    pageHit5: paged.length ? paged.filter((o) => o.pageHit5).length / paged.length : null,
    mrr: outcomes.reduce((s, o) => s + o.reciprocalRank, 0) / n,
    tokens5P50: percentile(
      outcomes.map((o) => o.tokens5),
      50,
    ),
    latencyP50Ms: percentile(latenciesMs, 50),
    latencyP95Ms: percentile(latenciesMs, 95),
  };
}
