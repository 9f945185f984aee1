import { standaloneFrom } from "../../src/answer/standalone-question.js";
import type { HistoryTurn } from "../../src/retrieval/conversation.js";
import type { QuestionRewriter, Retriever } from "../../src/retrieval/types.js";
import { percentile, type Question } from "./metrics.js";

/**
 * Follow-ups searched with a rewrite into a standalone question (src/answer/standalone-question.ts), next to
 * the folded conversation alone. Two rewriters are simulated, so the way grounded combines a rewrite with
 * the follow-up and its conversation is measured apart from any model: a perfect one (the set's gold
 * standalone question) and a wrong one (another conversation's standalone question: a model that lost the
 * subject, or, asked after an unrelated conversation, one that dragged the question back to the old
 * subject). A configured chat model is the third: what it is worth depends on the model (the test
 * stand-in's cannot rewrite, so there it measures only the cost and the fallback).
 */
export interface RewriteConversation extends Question {
  history?: HistoryTurn[];
  standalone?: string;
}

export interface RewriteResult {
  set: string;
  rewriter: string;
  conversations: number;
  /**
   * Follow-ups searched with a rewrite; unchanged = the rewrite was the follow-up itself; fell back = none
   * (null for the row without a rewriter).
   */
  rewritten: number | null;
  unchanged: number | null;
  fellBack: number | null;
  /** answer-hit@5 as grounded searches: the follow-up and its rewrite, with the conversation folded in. */
  hit5: number;
  /** The alternatives: the rewrite instead of the follow-up (conversation still folded in), and alone. */
  hit5Instead: number;
  hit5RewriteAlone: number;
  /** The standalone question asked after an unrelated conversation, through the rewrite. */
  hit5AfterUnrelated: number;
  /** The follow-up's search, rewrite included, median. */
  searchP50Ms: number;
}

/** Gold standalone questions that the output check (standaloneFrom) would take as a model's rewrite. */
export function goldAccepted(conversations: readonly RewriteConversation[]): number {
  const gold = conversations.filter((q) => q.standalone && q.standalone !== q.question);
  const ok = gold.filter((q) => "question" in standaloneFrom(q.standalone as string, q.question));
  return gold.length ? ok.length / gold.length : 1;
}

interface Rewriters {
  /** Label → the rewriter, given the conversation the follow-up belongs to and an unrelated one (null: none). */
  [label: string]:
    | ((q: RewriteConversation, other: RewriteConversation | undefined) => QuestionRewriter)
    | null;
}

export function simulatedRewriters(): Rewriters {
  return {
    "none (the folded conversation only)": null,
    "gold standalone (simulated)": (q) => async () => q.standalone ?? q.question,
    // The follow-up gets another conversation's question; a question asked after an unrelated
    // conversation is dragged back to that conversation's last question (the old subject).
    "wrong subject (simulated)": (q, other) => async (question, history) =>
      question === q.question
        ? (other?.standalone ?? question)
        : (history.findLast((t) => t.role === "user")?.content ?? question),
  };
}

export async function measureRewrites(
  set: string,
  conversations: readonly RewriteConversation[],
  retrieverFor: (rewrite: QuestionRewriter | undefined) => Retriever,
  rewriters: Rewriters,
  holdsAnswer: (text: string, q: Question) => boolean,
): Promise<RewriteResult[]> {
  const plain = retrieverFor(undefined);
  const hit = async (r: Retriever, q: RewriteConversation, question: string, history: HistoryTurn[]) => {
    const found = await r.retrieve(question, { k: 5, history });
    return { hit: found.results.some((c) => holdsAnswer(c.text, q)) ? 1 : 0, found };
  };
  const results: RewriteResult[] = [];
  for (const [label, make] of Object.entries(rewriters)) {
    let [rewritten, unchanged, fellBack, hit5, instead, alone, unrelated] = [0, 0, 0, 0, 0, 0, 0];
    const ms: number[] = [];
    for (const [i, q] of conversations.entries()) {
      const other = conversations
        .slice(i + 1)
        .concat(conversations.slice(0, i))
        .find((c) => c.source !== q.source);
      const inner = make?.(q, other);
      let last: string | null = null;
      const rewrite: QuestionRewriter | undefined = inner
        ? async (question, history, signal) => {
            last = await inner(question, history, signal);
            return last;
          }
        : undefined;
      const r = rewrite ? retrieverFor(rewrite) : plain;
      const history = q.history ?? [];
      const started = performance.now();
      const first = await hit(r, q, q.question, history);
      ms.push(performance.now() - started);
      hit5 += first.hit;
      const text = last as string | null;
      if (text === null) fellBack++;
      else if (text === q.question) unchanged++;
      else rewritten++;
      instead += (await hit(plain, q, text ?? q.question, history)).hit;
      alone += (await hit(plain, q, text ?? q.question, [])).hit;
      unrelated += (await hit(r, q, q.standalone ?? q.question, other?.history ?? [])).hit;
    }
    const n = Math.max(1, conversations.length);
    results.push({
      set,
      rewriter: label,
      conversations: conversations.length,
      rewritten: make ? rewritten / n : null,
      unchanged: make ? unchanged / n : null,
      fellBack: make ? fellBack / n : null,
      hit5: hit5 / n,
      hit5Instead: instead / n,
      hit5RewriteAlone: alone / n,
      hit5AfterUnrelated: unrelated / n,
      searchP50Ms: percentile(ms, 50),
    });
  }
  return results;
}
