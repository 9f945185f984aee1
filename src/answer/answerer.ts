import type { Limiter } from "../limiter.js";
import type { Coverage } from "../retrieval/coverage.js";
import type { RetrievedChunk, Retriever } from "../retrieval/types.js";
import type { ChatEvent, ChatModel } from "./chat-model.js";
import { parseCitations } from "./citations.js";
import { extractiveAnswer } from "./extractive.js";
import { fitPrompt, type HistoryTurn } from "./prompt.js";
import { type RefusalKind, refusalKind } from "./refusal.js";
import { type CheckedSentence, checkSentences } from "./support.js";

export interface AskRequest {
  question: string;
  k: number;
  history: HistoryTurn[];
  filter?: { source?: string | undefined } | undefined;
}

export interface SourceRef {
  n: number;
  source: string;
  page: number | null;
  heading: string | null;
  /** The document it comes from (`GET /api/documents/:id/file` serves its original file). */
  documentId: number;
  chunkId: number;
  /** Every chunk the passage spans (neighbours retrieved together are one passage). */
  chunkIds: number[];
  text: string;
  score: number;
}

type AnswerMode = "generative" | "extractive";

interface Timings {
  retrievalMs: number;
  generationMs: number;
  totalMs: number;
}

export interface AskResult {
  answer: string;
  citations: SourceRef[];
  sources: SourceRef[];
  grounded: boolean;
  /**
   * How sure the answer is that the documents cover the question: "answered" (the sources clearly hold it),
   * "partial" (they may hold part of it: read the citations), "not_covered" (a refusal; no citations).
   */
  coverage: Coverage;
  /** Every sentence of the answer checked against the passages it cites (src/answer/support.ts). */
  sentences: CheckedSentence[];
  /** How many sentences are unsupported or cite nothing. */
  unsupported: number;
  mode: AnswerMode;
  model: string | null;
  /** The standalone question a follow-up was rewritten into for the search (src/answer/standalone-question.ts), or null. */
  searchedFor: string | null;
  timings: Timings;
}

export type AskEvent =
  | { type: "sources"; sources: SourceRef[] }
  | { type: "delta"; content: string }
  | ({ type: "done" } & AskResult);

export interface AnswererOptions {
  retriever: Retriever;
  /** null = extractive answers (no chat model available). */
  chatModel: ChatModel | null;
  limiter: Limiter;
  think: boolean;
  warn?: (message: string) => void;
}

const NOT_COVERED = "The documents do not cover this question.";
const NOT_COVERED_ZH = "文件中沒有關於這個問題的內容。";

function notCovered(question: string): string {
  return /[\u3400-\u9fff]/.test(question) ? NOT_COVERED_ZH : NOT_COVERED;
}

function toRef(c: RetrievedChunk, i: number): SourceRef {
  return {
    n: i + 1,
    source: c.source,
    page: c.page,
    heading: c.heading,
    documentId: c.documentId,
    chunkId: c.chunkId,
    chunkIds: c.chunkIds,
    text: c.text,
    score: c.score,
  };
}

export interface Answerer {
  readonly mode: AnswerMode;
  /** Streams sources, answer pieces and a final result. Errors are thrown from the iterator. */
  ask(request: AskRequest, signal?: AbortSignal): AsyncGenerator<AskEvent, void, undefined>;
}

export function createAnswerer({ retriever, chatModel, limiter, think, warn }: AnswererOptions): Answerer {
  const mode: AnswerMode = chatModel ? "generative" : "extractive";
  return {
    mode,
    async *ask(request, signal) {
      const started = performance.now();
      const retrieval = await retriever.retrieve(request.question, {
        k: request.k,
        filter: request.filter,
        signal,
        history: request.history,
      });
      const retrievalMs = retrieval.ms;
      const finish = (
        answer: string,
        refs: SourceRef[],
        grounded: boolean,
        generationMs: number,
        refusal: RefusalKind | null = null,
      ) => {
        const parsed = parseCitations(answer, refs.length);
        const cited = parsed.cited.map((n) => refs[n - 1]).filter((r): r is SourceRef => r !== undefined);
        const timings = { retrievalMs, generationMs, totalMs: performance.now() - started };
        // An answer that cites nothing is not grounded, whatever the search found: the model said it
        // could not answer from the sources, or answered without them. Nor is one that only says the
        // documents do not cover the question, whatever it cites (refusal.ts).
        const citations = refusal === "refusal" ? [] : cited;
        const isGrounded = grounded && citations.length > 0;
        // A model that opens by saying the documents do not cover the question answers at most in part.
        const coverage: Coverage = !isGrounded
          ? "not_covered"
          : refusal === "opens with a refusal" && retrieval.coverage === "answered"
            ? "partial"
            : retrieval.coverage;
        const check = isGrounded
          ? checkSentences(parsed.text, new Map(refs.map((r) => [r.n, r.text])))
          : { sentences: [], unsupported: 0 };
        return {
          type: "done" as const,
          answer: parsed.text,
          citations,
          sources: refs,
          grounded: isGrounded,
          coverage,
          sentences: check.sentences,
          unsupported: check.unsupported,
          mode,
          model: chatModel?.model ?? null,
          searchedFor: retrieval.searchedFor,
          timings,
        };
      };

      if (!retrieval.relevant) {
        const answer = notCovered(request.question);
        yield { type: "sources", sources: [] };
        yield { type: "delta", content: answer };
        yield finish(answer, [], false, 0);
        return;
      }

      if (!chatModel) {
        const refs = retrieval.results.map(toRef);
        yield { type: "sources", sources: refs };
        const extracted = extractiveAnswer(request.question, retrieval.results, 3, request.history);
        const answer = extracted ?? notCovered(request.question);
        yield { type: "delta", content: answer };
        yield finish(answer, extracted ? refs : [], extracted !== null, 0);
        return;
      }

      const contextLength = await chatModel.contextLength(signal);
      const fitted = fitPrompt(
        request.question,
        retrieval.results,
        request.history,
        contextLength,
        retrieval.coverage === "partial",
      );
      const refs = fitted.sources.map(toRef);

      // The limiter bounds how many questions reach the model at once; the slot is held while we stream.
      // With a slot free, the question goes to the model before the sources go to the client, so the model
      // never waits on that write; otherwise the client gets the sources while the question waits its turn.
      let release = limiter.tryAcquire();
      let genStart = 0;
      let stream: { events: AsyncIterator<ChatEvent>; first: Promise<IteratorResult<ChatEvent>> } | undefined;
      const start = () => {
        genStart = performance.now();
        const events = chatModel
          .chat(fitted.messages, { signal, numCtx: fitted.numCtx, think })
          [Symbol.asyncIterator]();
        const first = events.next();
        first.catch(() => {}); // awaited below; a client gone before then must not leave it unhandled
        return { events, first };
      };
      let answer = "";
      let ended = false;
      try {
        if (release) stream = start();
        yield { type: "sources", sources: refs };
        if (!release) {
          release = await limiter.acquire(signal);
          stream = start();
        }
        const { events, first } = stream as NonNullable<typeof stream>;
        for (let next = await first; !next.done; next = await events.next()) {
          const event = next.value;
          if (event.type === "delta") {
            answer += event.content;
            yield { type: "delta", content: event.content };
          } else if (event.promptEvalCount !== undefined && event.promptEvalCount >= fitted.numCtx) {
            warn?.(
              `The model read ${event.promptEvalCount} prompt tokens with num_ctx ${fitted.numCtx}: the prompt may have been cut.`,
            );
          }
        }
        ended = true;
      } finally {
        release?.();
        // Not awaited: a request still waiting on the model ends through the aborted signal.
        if (!ended) void stream?.events.return?.(undefined).catch(() => {});
      }
      yield finish(answer.trim(), refs, true, performance.now() - genStart, refusalKind(answer));
    },
  };
}
