import type { QueryContext } from "./relevance.js";

/** One earlier turn of a conversation, as /api/ask and the compatible chat APIs receive it. */
export interface HistoryTurn {
  role: "user" | "assistant";
  content: string;
}

/**
 * How much a term of the conversation counts against a term of the question itself, on the lexical side
 * (BM25 and the coverage evidence) and on the vector side (the two embeddings are added with this weight).
 * Half: a follow-up without a subject ("And what happens if I do not?") finds its subject's passages, and a
 * question that names a new subject still ranks by its own words first.
 */
const CONTEXT_WEIGHT = 0.5;

/** An assistant turn counts with its opening only: the subject sits there, the rest is detail. */
const ASSISTANT_CHARS = 400;

/**
 * What a follow-up refers to: the last two questions the user asked and the opening of the last answer,
 * folded into one text (source footers and citation marks left out), or undefined for a first question.
 */
export function conversationContext(history: readonly HistoryTurn[]): QueryContext | undefined {
  const questions = history.filter((t) => t.role === "user").slice(-2);
  const answer = history.findLast((t) => t.role === "assistant");
  const parts = questions.map((t) => t.content);
  if (answer) {
    const opening = answer.content
      .replace(/\n\nSources:\n[\s\S]*$/, "")
      .replace(/\[\d+(?:\s*[,，]\s*\d+)*\]/g, "")
      .slice(0, ASSISTANT_CHARS);
    parts.push(opening);
  }
  const text = parts.join("\n").trim();
  return text ? { text, weight: CONTEXT_WEIGHT } : undefined;
}

/** `a + weight·b`, L2-normalised: the question's embedding leaning towards its conversation's. */
export function foldVectors(a: Float32Array, b: Float32Array, weight: number): Float32Array {
  const out = new Float32Array(a.length);
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] ?? 0) + weight * (b[i] ?? 0);
    out[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}
