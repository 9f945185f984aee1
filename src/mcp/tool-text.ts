import type { z } from "zod";
import { sourceLabel } from "../answer/prompt.js";
import type { askOutput, searchOutput } from "./output-schemas.js";

/**
 * The readable side of each tool result: many clients hand the model only a result's text, not its
 * structuredContent, so the text carries everything a model needs to use and cite the result.
 */

type Coverage = z.infer<typeof searchOutput>["coverage"];

const COVERAGE: Record<Coverage, string> = {
  answered: "Coverage: answered (the documents hold this).",
  partial:
    "Coverage: partial (the documents may hold only part of this; read the passages before relying on them).",
  not_covered:
    "Coverage: not_covered. The documents do not hold this; say so rather than answering from elsewhere.",
};

export function searchText(result: z.infer<typeof searchOutput>): string {
  const head =
    result.coverage === "not_covered"
      ? `${COVERAGE.not_covered} The passages below are only the nearest text, not an answer.`
      : COVERAGE[result.coverage];
  if (result.results.length === 0) return `${head}\n\nNo passage matched.`;
  const passages = result.results.map(
    (p, i) =>
      `${i + 1}. ${sourceLabel(p)} (score ${p.score.toFixed(3)}; chunk ${p.chunkIds.join(", ")}; ${p.document})\n${p.text.trim()}`,
  );
  return [head, ...passages].join("\n\n");
}

export function askText(result: z.infer<typeof askOutput>): string {
  const parts = [result.answer, COVERAGE[result.coverage]];
  if (result.sentences.length > 0) {
    const doubtful = result.sentences.filter((s) => s.support === "unsupported" || s.support === "uncited");
    parts.push(
      `Sentence check: ${result.sentences.length - result.unsupported} of ${result.sentences.length} sentences are backed by the sources they cite.` +
        doubtful.map((s) => `\n- ${s.support}: "${s.text}"`).join(""),
    );
  }
  if (result.citations.length > 0) {
    const sources = result.citations.map((c) => `[${c.n}] ${sourceLabel(c)}\n${c.text.trim()}`);
    parts.push(`Sources:\n\n${sources.join("\n\n")}`);
  }
  return parts.join("\n\n");
}
