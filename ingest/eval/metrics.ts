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
  /** 1-based rank of the first hit containing a gold answer, or null. */
  answerRank: number | null;
  docHit5: boolean;
  pageHit5: boolean | null;
}

export function judge(q: Question, hits: Hit[]): Outcome {
  const answers = q.answers.map(normaliseForMatch).filter((a) => a.length > 0);
  const want = q.source.replace(/^docs\//, "");
  let answerRank: number | null = null;
  for (const [i, h] of hits.entries()) {
    const text = normaliseForMatch(h.text);
    if (answers.some((a) => text.includes(a))) {
      answerRank = i + 1;
      break;
    }
  }
  const top5 = hits.slice(0, 5);
  return {
    answerRank,
    docHit5: top5.some((h) => h.source === want),
    pageHit5: q.page === null ? null : top5.some((h) => h.source === want && h.page === q.page),
  };
}

export function summarise(outcomes: Outcome[], latenciesMs: number[]): SetMetrics {
  const n = outcomes.length || 1;
  const rate = (f: (o: Outcome) => boolean) => outcomes.filter(f).length / n;
  const paged = outcomes.filter((o) => o.pageHit5 !== null);
  return {
    questions: outcomes.length,
    answerHit1: rate((o) => o.answerRank !== null && o.answerRank <= 1),
    answerHit5: rate((o) => o.answerRank !== null && o.answerRank <= 5),
    answerHit10: rate((o) => o.answerRank !== null && o.answerRank <= 10),
    docHit5: rate((o) => o.docHit5),
    pageHit5: paged.length ? paged.filter((o) => o.pageHit5).length / paged.length : null,
    mrr: outcomes.reduce((s, o) => s + (o.answerRank ? 1 / o.answerRank : 0), 0) / n,
    latencyP50Ms: percentile(latenciesMs, 50),
    latencyP95Ms: percentile(latenciesMs, 95),
  };
}
