import type { ChatModel } from "../chat-model.js";
import type { Limiter } from "../limiter.js";
import type { RetrievedChunk, Retriever } from "../retriever.js";
import { parseCitations } from "./citations.js";
import { extractiveAnswer } from "./extractive.js";
import { fitPrompt, type HistoryTurn } from "./prompt.js";

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
  chunkId: number;
  text: string;
  score: number;
}

export type AnswerMode = "generative" | "extractive";

export interface Timings {
  retrievalMs: number;
  generationMs: number;
  totalMs: number;
}

export interface AskResult {
  answer: string;
  citations: SourceRef[];
  sources: SourceRef[];
  grounded: boolean;
  mode: AnswerMode;
  model: string | null;
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

export const NOT_COVERED = "The documents do not cover this question.";
export const NOT_COVERED_ZH = "文件中沒有關於這個問題的內容。";

function notCovered(question: string): string {
  return /[\u3400-\u9fff]/.test(question) ? NOT_COVERED_ZH : NOT_COVERED;
}

function toRef(c: RetrievedChunk, i: number): SourceRef {
  return {
    n: i + 1,
    source: c.source,
    page: c.page,
    heading: c.heading,
    chunkId: c.chunkId,
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
      });
      const retrievalMs = retrieval.ms;
      const finish = (answer: string, refs: SourceRef[], grounded: boolean, generationMs: number) => {
        const parsed = parseCitations(answer, refs.length);
        const citations = parsed.cited.map((n) => refs[n - 1]).filter((r): r is SourceRef => r !== undefined);
        const timings = { retrievalMs, generationMs, totalMs: performance.now() - started };
        return {
          type: "done" as const,
          answer: parsed.text,
          citations,
          sources: refs,
          grounded: grounded && citations.length > 0,
          mode,
          model: chatModel?.model ?? null,
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
        const answer = extractiveAnswer(request.question, retrieval.results) ?? notCovered(request.question);
        yield { type: "delta", content: answer };
        yield finish(answer, refs, true, 0);
        return;
      }

      const contextLength = await chatModel.contextLength(signal);
      const fitted = fitPrompt(request.question, retrieval.results, request.history, contextLength);
      const refs = fitted.sources.map(toRef);
      yield { type: "sources", sources: refs };

      // The limiter bounds how many questions reach the model at once; the slot is held while we stream.
      const release = await limiter.acquire(signal);
      const genStart = performance.now();
      let answer = "";
      try {
        for await (const event of chatModel.chat(fitted.messages, { signal, numCtx: fitted.numCtx, think })) {
          if (event.type === "delta") {
            answer += event.content;
            yield { type: "delta", content: event.content };
          } else if (event.promptEvalCount !== undefined && event.promptEvalCount >= fitted.numCtx) {
            warn?.(
              `The model read ${event.promptEvalCount} prompt tokens with num_ctx ${fitted.numCtx}: the prompt may have been cut.`,
            );
          }
        }
      } finally {
        release();
      }
      yield finish(answer.trim(), refs, true, performance.now() - genStart);
    },
  };
}
