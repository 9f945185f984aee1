import type { Limiter } from "../limiter.js";
import type { HistoryTurn } from "../retrieval/conversation.js";
import type { QuestionRewriter } from "../retrieval/types.js";
import { lightStem } from "../text/stem.js";
import { ENGLISH_STOPWORDS } from "../text/stopwords.js";
import { extractTerms } from "../text/terms.js";
import { estimateTokens } from "../text/tokens.js";
import type { ChatMessage, ChatModel } from "./chat-model.js";
import { contextSize, neutralise } from "./prompt.js";

/**
 * A follow-up ("And what happens if I do not?") rewritten by the chat model into a question that stands on
 * its own ("What happens if I do not descale the kettle?"), for the search. Bounded by a timeout that
 * includes the wait for the chat model; anything short of a usable rewrite leaves the search to the folded
 * conversation (src/retrieval/conversation.ts), as without a chat model. Measurements: docs/answers.md.
 */
export const REWRITE_INSTRUCTION = [
  "You rewrite the last question of a conversation so that it can be understood without the conversation.",
  "Replace the words that point back into the conversation (it, that, they, this one, 它, 這個, 那裡) with what they refer to, and add the subject the question leaves out.",
  "If the question already stands on its own, or asks about something new, return it unchanged.",
  "Keep the question's language and its wording otherwise. Do not answer it and do not explain.",
  "Reply with the question only, on one line.",
].join("\n");

/** The turns shown to the model: the last two exchanges, each cut short (the subject sits at the start). */
const TURNS = 4;
const USER_CHARS = 300;
const ASSISTANT_CHARS = 400;

/** A question this long is not an elliptic follow-up, and rewriting it would cost the most: not asked. */
const MAX_QUESTION_CHARS = 500;

/** Room for the subject a rewrite adds, in tokens, beyond the question's own length. */
const SUBJECT_TOKENS = 64;

/** The conversation as text, and the follow-up on a `Question:` line, as one user message. */
function rewriteMessages(question: string, history: readonly HistoryTurn[]): ChatMessage[] {
  const turns = history.slice(-TURNS).map((t) => {
    const text =
      t.role === "user"
        ? t.content.slice(0, USER_CHARS)
        : t.content
            .replace(/\n\nSources:\n[\s\S]*$/, "")
            .replace(/\s*\[\d+(?:\s*[,，]\s*\d+)*\]/g, "")
            .slice(0, ASSISTANT_CHARS);
    // One line per turn: a turn's own line breaks must not start a turn or a question of their own.
    return `${t.role === "user" ? "User" : "Assistant"}: ${neutralise(text.replace(/\s+/g, " ").trim())}`;
  });
  const user = `Conversation:\n${turns.join("\n")}\n\nQuestion: ${neutralise(question.replace(/\s+/g, " ").trim())}`;
  return [
    { role: "system", content: REWRITE_INSTRUCTION },
    { role: "user", content: user },
  ];
}

/** Why an output is not used as the standalone question. */
type Rejection = "empty" | "several lines" | "too long" | "a refusal" | "an answer" | "not a rewrite";

const LABEL =
  /^(?:(?:the\s+)?(?:standalone|rewritten|rephrased)\s+question|question|rewrite|獨立問題|独立问题|改寫後?的?問題|改写后?的?问题|問題|问题)\s*[:：]\s*/i;
const QUOTES: Array<[string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ["“", "”"],
  ["‘", "’"],
  ["「", "」"],
  ["『", "』"],
  ["`", "`"],
];
const REFUSAL =
  /^(?:i'?m sorry|sorry|i am sorry|i can(?:not|'t)|i am unable|i'm unable|i don'?t know|as an ai|抱歉|對不起|对不起|無法|无法|我不知道|我不能)/i;
const CITATION = /\[\d+\]/;
const QUESTION_MARK = /[?？]\s*$/;

function unwrap(text: string): string {
  let t = text.trim().replace(LABEL, "").trim();
  for (const [open, close] of QUOTES) {
    if (t.length >= 2 && t.startsWith(open) && t.endsWith(close))
      t = t.slice(open.length, -close.length).trim();
  }
  return t;
}

/** The words (stopwords out, lightly stemmed) and CJK character pairs of a text, Traditional read as Simplified. */
function contentTerms(text: string): Set<string> {
  const terms = extractTerms(text);
  return new Set([...terms.words.filter((w) => !ENGLISH_STOPWORDS.has(w)).map(lightStem), ...terms.bigrams]);
}

/**
 * The model's output as a standalone question, or why it is not one. Wrapping quotes and a leading label
 * ("Standalone question:") are taken off; then it must be one line, not much longer than the question, not
 * a refusal, not an answer (no citation marks, still a question when the follow-up was one), and it must
 * keep at least a third of the follow-up's own words: a rewrite adds the subject and may rephrase, it does
 * not replace the question (nor translate it). A third, not a half: "And which count as lower ones?" →
 * "What conditions are considered lower respiratory tract infections?" keeps one of three.
 */
export function standaloneFrom(
  output: string,
  question: string,
): { question: string } | { rejected: Rejection } {
  const text = unwrap(output);
  if (text === "") return { rejected: "empty" };
  if (/[\r\n\u2028\u2029]/.test(text)) return { rejected: "several lines" };
  if (text.length > Math.max(200, 3 * question.length)) return { rejected: "too long" };
  if (REFUSAL.test(text)) return { rejected: "a refusal" };
  if (CITATION.test(text) || (QUESTION_MARK.test(question) && !QUESTION_MARK.test(text)))
    return { rejected: "an answer" };
  const own = contentTerms(question);
  if (own.size > 0) {
    const kept = contentTerms(text);
    let shared = 0;
    for (const term of own) if (kept.has(term)) shared++;
    if (shared < own.size / 3) return { rejected: "not a rewrite" };
  }
  return { question: text };
}

export interface QuestionRewriterOptions {
  chatModel: ChatModel;
  /** The service's one chat limiter: a rewrite takes a slot like an answer, so Ollama's load stays bounded. */
  limiter: Limiter;
  timeoutMs: number;
  /** Told once per kind of fallback (the search goes on all the same). */
  log?: ((message: string) => void) | undefined;
}

type Fallback = "busy" | "timeout" | "error" | "invalid";

export function createQuestionRewriter({
  chatModel,
  limiter,
  timeoutMs,
  log,
}: QuestionRewriterOptions): QuestionRewriter {
  const NEXT_STEP: Record<Fallback, string> = {
    busy: `Raise GROUNDED_CHAT_CONCURRENCY if Ollama can answer more at once, or set GROUNDED_REWRITE=off.`,
    timeout: `Raise GROUNDED_REWRITE_TIMEOUT_MS (now ${timeoutMs}) if the model is slow but its rewrites are wanted, or set GROUNDED_REWRITE=off.`,
    error:
      "Answers will fail the same way: see that message for the fix. GROUNDED_REWRITE=off stops rewrites.",
    invalid:
      "The model may not follow the rewrite instruction well; another chat model may, or set GROUNDED_REWRITE=off.",
  };
  const told = new Set<Fallback>();
  const fallBack = (kind: Fallback, what: string): null => {
    if (!told.has(kind)) {
      told.add(kind);
      log?.(
        `Follow-up questions: ${what}; such follow-ups are searched with the conversation folded in instead, as without a chat model. ${NEXT_STEP[kind]} (Said once.)`,
      );
    }
    return null;
  };

  return async (question, history, signal) => {
    if (question.length > MAX_QUESTION_CHARS) return null;
    const timeout = AbortSignal.timeout(timeoutMs);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let release: () => void;
    try {
      release = await limiter.acquire(both);
    } catch {
      if (signal?.aborted) throw signal.reason;
      const why = timeout.aborted
        ? `waited ${timeoutMs} ms for the chat model`
        : "the chat model's queue was full";
      return fallBack("busy", `a rewrite was not asked: it ${why} behind other questions`);
    }
    try {
      const messages = rewriteMessages(question, history);
      const promptTokens = messages.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
      const numPredict = estimateTokens(question) + SUBJECT_TOKENS;
      // The num_ctx of the answers around it: a different one would make Ollama reload the model.
      const numCtx =
        chatModel.lastNumCtx() ?? contextSize(promptTokens + numPredict, await chatModel.contextLength(both));
      let output = "";
      let cut = false;
      for await (const event of chatModel.chat(messages, {
        signal: both,
        numCtx,
        numPredict,
        temperature: 0,
        think: false,
      })) {
        if (event.type === "delta") output += event.content;
        else if (event.doneReason === "length") cut = true;
      }
      const found = cut ? { rejected: "too long" as const } : standaloneFrom(output, question);
      if ("rejected" in found) {
        return fallBack(
          "invalid",
          `${chatModel.model} answered a rewrite request with ${found.rejected}, not a standalone question (${JSON.stringify(output.trim().slice(0, 80))})`,
        );
      }
      return found.question;
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (timeout.aborted)
        return fallBack("timeout", `${chatModel.model} did not rewrite one within ${timeoutMs} ms`);
      return fallBack(
        "error",
        `asking ${chatModel.model} for a rewrite failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      release();
    }
  };
}
