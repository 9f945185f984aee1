import { lexicalFeatures } from "./lexical-embedding.js";

/**
 * The stand-in's deterministic "chat model": it answers from the sources in the prompt the way a grounded
 * model should, so answerer tests can predict the exact answer and its citation.
 *
 * Source blocks start on their own line with `[n]`. When the prompt has a `Question:` line (as grounded's
 * src/answer/prompt.ts writes it), the question is what follows it and blocks run up to the next block or
 * that line, blank lines included. Without one, a blank line ends a block and the question is the text after
 * the last block (or, if there is none, before the first). A block of several lines starts with a label
 * (`[1] guide.pdf, page 3`), which is not quoted in the answer.
 */
export interface ReplyMessage {
  role: string;
  content: string;
}

export const DONT_KNOW = "I don't know.";

const STOP_WORDS = new Set(
  "a an and are as at be by do does for from how i in is it of on or the this to was what when where which who why with"
    .split(" ")
    .map((w) => `w:${w}`),
);

interface Block {
  n: number;
  text: string;
  /** The block's first line (`[1] guide.pdf, page 3`) when it has several, else "". */
  label: string;
}

function parsePrompt(content: string): { blocks: Block[]; question: string } {
  const lines = content.split(/\r?\n/);
  const marker = lines.findLastIndex((line) => /^\s*question\s*[:：]/i.test(line));
  const body = marker === -1 ? lines : lines.slice(0, marker);
  const blocks: Block[] = [];
  const before: string[] = [];
  const after: string[] = [];
  let open: { n: number; lines: string[] } | undefined;
  const close = () => {
    const text = open?.lines.filter((l) => l.trim() !== "") ?? [];
    const quoted = text.length > 1 ? text.slice(1) : text;
    const label = text.length > 1 ? (text[0] ?? "") : "";
    if (open) blocks.push({ n: open.n, text: quoted.join(" ").replace(/\s+/g, " ").trim(), label });
    open = undefined;
  };
  for (const line of body) {
    const start = /^\s*\[(\d+)\]\s*(.*)$/.exec(line);
    if (start) {
      close();
      open = { n: Number(start[1]), lines: [start[2] ?? ""] };
      after.length = 0;
    } else if (open && (line.trim() !== "" || marker !== -1)) {
      open.lines.push(line);
    } else {
      close();
      (blocks.length === 0 ? before : after).push(line);
    }
  }
  close();
  if (marker !== -1) {
    const question = lines
      .slice(marker)
      .join("\n")
      .replace(/^\s*question\s*[:：]/i, "");
    return { blocks, question: question.trim() };
  }
  const question = after.join("\n").trim() || before.join("\n").trim();
  return { blocks, question };
}

function firstSentence(text: string): string {
  const end = /[.!?](?=\s|$)|[。！？]/u.exec(text);
  return end ? text.slice(0, end.index + end[0].length) : text;
}

function keyFeatures(text: string): Set<string> {
  // Single CJK characters match too easily; words and CJK bigrams carry the meaning.
  return new Set(lexicalFeatures(text).filter((f) => !f.startsWith("u:") && !STOP_WORDS.has(f)));
}

/**
 * How the stand-in's model answers: as a grounded model should ("answer"), or, to measure grounded's
 * sentence check (src/answer/support.ts), with a second sentence that its cited source does not say:
 * "add-foreign" adds the first sentence of a source from another file, cited as the answer's source (a model
 * mixing up its sources); "change-number" adds a sentence of the cited source with one number changed.
 */
export type ReplyMode = "answer" | "add-foreign" | "change-number";

/** A sentence no document says, for when the prompt offers no other file to borrow from. */
const FOREIGN_SENTENCE = "The committee approved the harbour budget in March 1987.";

function sentences(text: string): string[] {
  return Array.from(new Intl.Segmenter(undefined, { granularity: "sentence" }).segment(text), (s) =>
    s.segment.trim(),
  ).filter((s) => s.length > 0);
}

function fileOf(label: string): string {
  return label.split(",")[0]?.trim() ?? "";
}

function addedSentence(mode: ReplyMode, best: Block, blocks: Block[]): string {
  if (mode === "change-number") {
    const withNumber = sentences(best.text).find((s) => /\d/.test(s));
    if (withNumber) return withNumber.replace(/\d+/, (d) => String(Number(d) + 7));
  }
  const other = blocks.find((b) => b.text !== "" && fileOf(b.label) !== fileOf(best.label));
  return other ? firstSentence(other.text) : FOREIGN_SENTENCE;
}

/** `<first sentence of the best-matching block> [n]`, or "I don't know." when nothing matches. */
export function standInReply(messages: ReplyMessage[], mode: ReplyMode = "answer"): string {
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  if (!lastUser) return DONT_KNOW;
  const { blocks, question } = parsePrompt(lastUser.content);
  const wanted = keyFeatures(question);
  let best: Block | undefined;
  let bestScore = 0;
  for (const block of blocks) {
    const have = keyFeatures(block.text);
    let score = 0;
    for (const f of wanted) if (have.has(f)) score++;
    if (score > bestScore) [best, bestScore] = [block, score];
  }
  if (!best || best.text === "") return DONT_KNOW;
  const answer = `${firstSentence(best.text)} [${best.n}]`;
  if (mode === "answer") return answer;
  return `${answer} ${addedSentence(mode, best, blocks)} [${best.n}]`;
}

/**
 * A prompt without source blocks (a rewrite request, say) answered with its own question, unchanged: the
 * stand-in cannot rewrite a follow-up, and this is the honest mechanical stand-in for a model that finds
 * nothing to change (`--rewrite echo`). Undefined for any other prompt, which then gets the usual reply.
 */
export function echoQuestion(messages: ReplyMessage[]): string | undefined {
  const lastUser = messages.findLast((m) => m.role === "user");
  if (!lastUser) return undefined;
  const { blocks, question } = parsePrompt(lastUser.content);
  return blocks.length === 0 && question !== "" ? question : undefined;
}

const PIECE =
  /\s*(?:[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{P}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{P}]+)|\s+/gu;

/** Splits a reply into token-like pieces (a word with its leading space, one CJK character, a mark). */
export function replyPieces(reply: string): string[] {
  return Array.from(reply.matchAll(PIECE), (m) => m[0]);
}
