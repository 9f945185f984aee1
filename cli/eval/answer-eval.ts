import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ingest } from "../../ingest/pipeline.js";
import { type AskResult, createAnswerer } from "../../src/answer/answerer.js";
import type { ChatModel } from "../../src/answer/chat-model.js";
import { createQuestionRewriter } from "../../src/answer/standalone-question.js";
import type { Config } from "../../src/config.js";
import type { Embedder } from "../../src/embedding/embedder.js";
import { createLimiter } from "../../src/limiter.js";
import { readCalibration } from "../../src/retrieval/calibration.js";
import type { HistoryTurn } from "../../src/retrieval/conversation.js";
import { createRetriever } from "../../src/retrieval/retriever.js";
import type { QuestionRewriter, Retriever } from "../../src/retrieval/types.js";
import { openStore, type Store } from "../../src/store/store.js";
import { normaliseForMatch, percentile, type Question } from "./metrics.js";
import { goldAccepted, measureRewrites, type RewriteResult, simulatedRewriters } from "./rewrite-eval.js";
import { readQuestions } from "./run-eval.js";

/**
 * What `/api/ask` returns, measured: the same answerer (extractive without a chat model, generative with
 * one) over an index of half of a set's documents, as ../shared/eval/README.md describes. The documents at
 * even positions (sorted by name) are ingested; their questions are answerable, and a refusal of one is a
 * false refusal. The questions of the odd half have no document to answer from, and should be refused;
 * one whose gold answer occurs in an ingested document is left out (papers on one topic answer each other).
 */
interface AnswerQuestion extends Question {
  history?: HistoryTurn[];
  standalone?: string;
}

export interface AnswerSetResult {
  set: string;
  mode: "extractive" | "generative";
  answerable: number;
  absent: number;
  /** Answerable questions answered "not covered". */
  falseRefusal: number;
  /** Answerable questions answered with coverage "partial". */
  partial: number;
  /** Questions about absent documents answered "not covered". */
  absentRefused: number;
  /**
   * Questions about absent documents answered with coverage "partial": the chat model was told the sources
   * match only in part (without one, the extractive answer says so). The rest were answered as covered.
   */
  absentPartial: number;
  /** Answerable questions whose citations include the gold file / the gold page (paged sets only). */
  citedFile: number;
  citedPage: number | null;
  /** Answerable questions whose answer's first sentence holds a gold answer string. */
  firstSentence: number;
  latencyP50Ms: number;
  chunks: number;
}

export interface FollowupResult {
  set: string;
  conversations: number;
  /** answer-hit@5 of /api/search: the follow-up with its history, alone, and as originally written. */
  hit5WithHistory: number;
  hit5Alone: number;
  hit5Standalone: number;
  /** The standalone question asked after an unrelated conversation: must stay near hit5Standalone. */
  hit5AfterUnrelated: number;
  /** /api/ask with history (its follow-up rewritten when a chat model is configured): cites the gold article, refusals. */
  citedFile: number;
  refused: number;
  /** Searches through a rewrite into a standalone question, simulated and by the chat model (rewrite-eval.ts). */
  rewrites: RewriteResult[];
  /** Gold standalone questions that the rewrite's output check accepts. */
  goldAccepted: number;
}

function readAnswerQuestions(file: string): AnswerQuestion[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AnswerQuestion);
}

const want = (q: Question) => q.source.replace(/^docs\//, "");

function firstSentence(answer: string): string {
  const line = answer.split("\n")[0] ?? "";
  const end = /[.!?](?=\s|$)|[。！？]/u.exec(line);
  return end ? line.slice(0, end.index + end[0].length) : line;
}

function holdsAnswer(text: string, q: Question): boolean {
  const t = normaliseForMatch(text);
  return q.answers.map(normaliseForMatch).some((a) => a.length > 0 && t.includes(a));
}

async function askOnce(
  answerer: ReturnType<typeof createAnswerer>,
  question: string,
  history: HistoryTurn[],
): Promise<AskResult & { ms: number }> {
  const started = performance.now();
  for await (const e of answerer.ask({ question, k: 6, history })) {
    if (e.type === "done") {
      const { type: _type, ...result } = e;
      return { ...result, ms: performance.now() - started };
    }
  }
  throw new Error("the answer ended without a result");
}

function spread<T>(items: T[], limit: number | undefined): T[] {
  if (limit === undefined || items.length <= limit) return items;
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)] as T);
}

async function withIndex<T>(
  deps: { config: Config; embedder: Embedder },
  roots: string[],
  run: (store: Store, retrieverFor: (rewrite?: QuestionRewriter) => Retriever) => Promise<T>,
): Promise<T> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grounded-answers-"));
  const store = openStore(path.join(tmp, "eval.db"));
  try {
    await ingest({ store, embedder: deps.embedder, config: deps.config }, { roots });
    const retrieverFor = (rewrite?: QuestionRewriter) =>
      createRetriever({
        store,
        embedder: deps.embedder,
        calibration: () => readCalibration(store),
        rewrite,
      });
    return await run(store, retrieverFor);
  } finally {
    await store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The even-half index of a set and its questions, as ../shared/eval/README.md describes: the documents at even
 * positions (sorted by name) are ingested; their questions are answerable; the odd half's are about absent
 * documents, less any whose gold answer occurs in an ingested document. `limit` questions of each kind,
 * spread over the set.
 */
export function halfIndexQuestions(
  setDir: string,
  limit?: number,
): { docsDir: string; ingested: string[]; answerable: Question[]; absent: Question[] } {
  const docsDir = path.join(setDir, "docs");
  const files = fs.readdirSync(docsDir).sort();
  const ingested = files.filter((_, i) => i % 2 === 0);
  const inIndex = new Set(ingested);
  const texts = ingested.map((f) => normaliseForMatch(readText(path.join(docsDir, f))));
  const questions = readQuestions(setDir);
  const answerable = spread(
    questions.filter((q) => inIndex.has(want(q))),
    limit,
  );
  const absent = spread(
    questions.filter(
      (q) =>
        !inIndex.has(want(q)) &&
        !q.answers.some((a) => {
          const n = normaliseForMatch(a);
          return n.length > 0 && texts.some((t) => t.includes(n));
        }),
    ),
    limit,
  );
  return { docsDir, ingested, answerable, absent };
}

export async function evaluateAnswers(
  setDir: string,
  config: Config,
  embedder: Embedder,
  chatModel: ChatModel | null,
  onProgress: (done: number, total: number, label: string) => void,
  limit?: number,
): Promise<AnswerSetResult> {
  const name = path.basename(path.resolve(setDir));
  const { docsDir, ingested, answerable, absent } = halfIndexQuestions(setDir, limit);
  return withIndex(
    { config, embedder },
    ingested.map((f) => path.join(docsDir, f)),
    async (store, retrieverFor) => {
      const answerer = createAnswerer({
        retriever: retrieverFor(),
        chatModel,
        limiter: createLimiter(1, 1),
        think: false,
      });
      const latencies: number[] = [];
      let falseRefusal = 0;
      let partial = 0;
      let citedFile = 0;
      let citedPage = 0;
      let paged = 0;
      let first = 0;
      const total = answerable.length + absent.length;
      for (const [i, q] of answerable.entries()) {
        const r = await askOnce(answerer, q.question, []);
        latencies.push(r.ms);
        if (r.coverage === "not_covered") falseRefusal++;
        if (r.coverage === "partial") partial++;
        if (r.citations.some((c) => c.source === want(q))) citedFile++;
        if (q.page !== null) {
          paged++;
          if (r.citations.some((c) => c.source === want(q) && c.page === q.page)) citedPage++;
        }
        if (holdsAnswer(firstSentence(r.answer), q)) first++;
        if (i % 25 === 0) onProgress(i + 1, total, `${name} answers`);
      }
      let refused = 0;
      let absentPartial = 0;
      for (const [i, q] of absent.entries()) {
        const r = await askOnce(answerer, q.question, []);
        latencies.push(r.ms);
        if (r.coverage === "not_covered") refused++;
        if (r.coverage === "partial") absentPartial++;
        if (i % 25 === 0) onProgress(answerable.length + i + 1, total, `${name} answers`);
      }
      const n = Math.max(1, answerable.length);
      return {
        set: name,
        mode: answerer.mode,
        answerable: answerable.length,
        absent: absent.length,
        falseRefusal: falseRefusal / n,
        partial: partial / n,
        absentRefused: refused / Math.max(1, absent.length),
        absentPartial: absentPartial / Math.max(1, absent.length),
        citedFile: citedFile / n,
        citedPage: paged ? citedPage / paged : null,
        firstSentence: first / n,
        latencyP50Ms: percentile(latencies, 50),
        chunks: (await store.counts()).chunks,
      };
    },
  );
}

function readText(file: string): string {
  // PDFs are compared through their extracted text in the index; their raw bytes hold no answer strings.
  return file.toLowerCase().endsWith(".pdf") ? "" : fs.readFileSync(file, "utf8");
}

/**
 * Follow-up conversations (a `followups.jsonl` beside the set's questions) over the whole set: search with
 * the history, alone, and as originally written; the standalone question after an unrelated conversation
 * (the next conversation about another article), which must not be dragged back to the old subject; and
 * `/api/ask` with the history.
 */
export async function evaluateFollowups(
  setDir: string,
  config: Config,
  embedder: Embedder,
  chatModel: ChatModel | null,
  onProgress: (done: number, total: number, label: string) => void,
  limit?: number,
  options: {
    followups?: string;
    docs?: string;
    name?: string;
    /** Also search through simulated rewriters (rewrite-eval.ts); the CI gate leaves them out. Default true. */
    simulatedRewrites?: boolean;
  } = {},
  log?: (message: string) => void,
): Promise<FollowupResult | null> {
  const file = options.followups ?? path.join(setDir, "followups.jsonl");
  if (!fs.existsSync(file)) return null;
  const setName = options.name ?? path.basename(path.resolve(setDir));
  const name = `${setName} follow-ups`;
  const conversations = spread(readAnswerQuestions(file), limit);
  return withIndex(
    { config, embedder },
    [options.docs ?? path.join(setDir, "docs")],
    async (_store, retrieverFor) => {
      const retriever = retrieverFor();
      // As the service has it: one limiter for answers and rewrites, a rewrite when a chat model answers.
      const limiter = createLimiter(1, 1);
      const rewrite =
        chatModel && config.rewrite === "auto"
          ? createQuestionRewriter({ chatModel, limiter, timeoutMs: config.rewriteTimeoutMs, log })
          : undefined;
      const answerer = createAnswerer({ retriever: retrieverFor(rewrite), chatModel, limiter, think: false });
      const hit = async (q: AnswerQuestion, question: string, history: HistoryTurn[]) => {
        const r = await retriever.retrieve(question, { k: 5, history });
        return r.results.some((c) => holdsAnswer(c.text, q)) ? 1 : 0;
      };
      let withHistory = 0;
      let alone = 0;
      let standalone = 0;
      let unrelated = 0;
      let cited = 0;
      let refused = 0;
      for (const [i, q] of conversations.entries()) {
        const history = q.history ?? [];
        withHistory += await hit(q, q.question, history);
        alone += await hit(q, q.question, []);
        standalone += await hit(q, q.standalone ?? q.question, []);
        const other = conversations
          .slice(i + 1)
          .concat(conversations.slice(0, i))
          .find((c) => c.source !== q.source);
        unrelated += await hit(q, q.standalone ?? q.question, other?.history ?? []);
        const r = await askOnce(answerer, q.question, history);
        if (r.citations.some((c) => c.source === want(q))) cited++;
        if (r.coverage === "not_covered") refused++;
        if (i % 25 === 0) onProgress(i + 1, conversations.length, name);
      }
      const rewriters = options.simulatedRewrites === false ? {} : simulatedRewriters();
      if (chatModel && rewrite) rewriters[`chat model ${chatModel.model}`] = () => rewrite;
      onProgress(conversations.length, conversations.length, `${name}: rewrites`);
      const rewrites = await measureRewrites(setName, conversations, retrieverFor, rewriters, holdsAnswer);
      const n = Math.max(1, conversations.length);
      return {
        set: setName,
        conversations: conversations.length,
        hit5WithHistory: withHistory / n,
        hit5Alone: alone / n,
        hit5Standalone: standalone / n,
        hit5AfterUnrelated: unrelated / n,
        citedFile: cited / n,
        refused: refused / n,
        rewrites,
        goldAccepted: goldAccepted(conversations),
      };
    },
  );
}
