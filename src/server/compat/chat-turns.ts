import type { AskRequest, AskResult, SourceRef } from "../../answer/answerer.js";
import { sourceLabel } from "../../answer/prompt.js";
import { askSchema } from "../../service/schemas.js";

/**
 * Chat clients (Ollama's and OpenAI's) send a whole conversation; grounded answers one question with some
 * history. This file translates between the two: the last user message is the question, the user and
 * assistant turns before it are the history, and the answer carries its sources as text the client shows.
 */
export interface ChatTurn {
  role: string;
  /** A string, or OpenAI's list of content parts (only the text parts count). */
  content?: unknown;
}

/** The limits of grounded's own /api/ask history, so both APIs accept the same amount. */
const MAX_HISTORY_TURNS = 50;
const MAX_TURN_CHARS = 20_000;

const FOOTER =
  /\n\nSources:\n(?:\[\d+\] [^\n]*(?:\n|$))+(?:\n?Not supported by the cited sources: [^\n]*\n?)?$/;
const UNSUPPORTED_NOTE = "Not supported by the cited sources: ";

function turnText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) =>
      part && typeof part === "object" && (part as { type?: unknown }).type === "text"
        ? (part as { text?: unknown }).text
        : "",
    )
    .filter((t): t is string => typeof t === "string")
    .join("\n");
}

/**
 * The ask request for a conversation, or null when it has no user message (Ollama's "load the model"
 * request). System messages are dropped: grounded's own instructions keep the answer inside the documents.
 * Throws a ZodError (a 400) when the question breaks /api/ask's limits.
 */
export function askFromTurns(turns: readonly ChatTurn[]): AskRequest | null {
  const last = turns.findLastIndex((t) => t.role === "user");
  if (last === -1) return null;
  const history = turns
    .slice(0, last)
    .filter(
      (t): t is ChatTurn & { role: "user" | "assistant" } => t.role === "user" || t.role === "assistant",
    )
    .map((t) => ({ role: t.role, content: withoutFooter(turnText(t.content)).slice(0, MAX_TURN_CHARS) }))
    .filter((t) => t.content.trim() !== "")
    // The answerer drops the oldest turns anyway when the prompt is too long; a long chat must not fail.
    .slice(-MAX_HISTORY_TURNS);
  const body = askSchema.parse({ question: turnText(turns[last]?.content), history });
  return { question: body.question, k: body.k, history: body.history };
}

/** The "Sources" list appended to an answer, so a chat client that only shows text still shows citations. */
function sourcesFooter(citations: readonly SourceRef[]): string {
  if (citations.length === 0) return "";
  return `\n\nSources:\n${citations.map((c) => `[${c.n}] ${sourceLabel(c)}`).join("\n")}`;
}

/**
 * With GROUNDED_FLAG_UNSUPPORTED=1, a line after the Sources list quoting the sentences that the sentence
 * check (src/answer/support.ts) found unsupported or uncited: chat clients show only text, and this keeps
 * their replies readable while still saying it. Nothing is added when every sentence is supported.
 */
function unsupportedNote(result: Pick<AskResult, "sentences">, enabled: boolean): string {
  if (!enabled) return "";
  const flagged = result.sentences.filter((s) => s.support === "unsupported" || s.support === "uncited");
  if (flagged.length === 0) return "";
  const quote = (t: string) =>
    `"${Array.from(t).length > 80 ? `${Array.from(t).slice(0, 79).join("")}…` : t}"`;
  return `\n${UNSUPPORTED_NOTE}${flagged.map((s) => quote(s.text)).join("; ")}`;
}

/** Everything appended to an answer's text on the compatible chat APIs: the Sources list and the optional note. */
export function answerFooter(
  result: Pick<AskResult, "citations" | "sentences">,
  flagUnsupported: boolean,
): string {
  const sources = sourcesFooter(result.citations);
  const note = unsupportedNote(result, flagUnsupported);
  return sources || note ? `${sources || "\n"}${note}` : "";
}

/**
 * Clients send our earlier answers back as history. Their Sources lists number the sources of an earlier
 * question, so they would only confuse the model about the numbers of this one.
 */
function withoutFooter(text: string): string {
  return text.replace(FOOTER, "");
}
