import type { Chunk, LoadedDocument, Section } from "../src/document.js";
import { estimateTokens, isCjk, isSpace } from "../src/text/tokens.js";

export interface ChunkOptions {
  /** Size to pack chunks up to, in estimated tokens. */
  targetTokens: number;
  /** How much of the end of a chunk the next one repeats, in whole sentences. */
  overlapTokens: number;
  /** Hard ceiling: no chunk is ever estimated above this (the embedding model's context). */
  maxTokens: number;
}

/** A contiguous run of a section's text; offsets are into `section.text`, trimmed of surrounding space. */
interface Piece {
  start: number;
  end: number;
  tokens: number;
  /** Paragraphs may be cut into sentences later; fragments (cuts of an over-long sentence) never overlap. */
  kind: "paragraph" | "sentence" | "fragment";
}

/**
 * Intl.Segmenter slows down quadratically with the length of the string it walks (V8, Node 20: 200 KB of
 * Chinese takes seconds), so sentences are found in windows of at most this many characters, cut at a
 * line break or sentence end where possible.
 */
const SEGMENT_WINDOW = 1024;

/** Lines starting like a list item, quote, table row or heading keep their line break for the segmenter. */
const JOIN_LINES = /\n(?![ \t]*(?:[-*+•>|#]|\d{1,3}[.)、])[ \t])/g;

const TERMINATORS = new Set(["。", "！", "？", ".", "!", "?", ";", "；"]);

/**
 * Cuts a document into chunks for embedding, structure first: a chunk never crosses a section (so it has
 * one page and one heading path), whole paragraphs are kept together when they fit, long paragraphs are
 * cut into sentences (Intl.Segmenter: handles 。！？ in Chinese as well as English), and only a sentence
 * longer than `maxTokens` is cut between words, or between characters when it has no spaces at all.
 * Pieces are packed greedily up to `targetTokens`; the next chunk starts with the previous chunk's last
 * whole sentences, up to `overlapTokens`. That decides how many chunks a section needs; where they run
 * through long paragraphs, they are then spread evenly (see `spread`), so each is full and the slack the
 * greedy pass left in its short last chunk becomes extra overlap between all of them.
 *
 * Offsets: a chunk's `text` is exactly `docText.slice(start, end)`, where docText is the document text
 * the sections' offsets refer to (the chunk keeps the original line breaks; it is never rewritten).
 *
 * Cost: every character is estimated about twice (once as part of a paragraph, once as part of its
 * chunk), and only paragraphs that must be cut, or end a chunk, are run through the sentence segmenter.
 */
export function chunkDocument(doc: LoadedDocument, options: ChunkOptions): Chunk[] {
  const max = Math.max(1, Math.floor(options.maxTokens));
  const target = Math.max(1, Math.min(Math.floor(options.targetTokens), max));
  const overlap = Math.max(0, Math.min(Math.floor(options.overlapTokens), target - 1));
  const segmenter = new Intl.Segmenter("und", { granularity: "sentence" });
  const chunks: Chunk[] = [];
  for (const section of doc.sections) {
    chunkSection(section, { target, overlap, max, segmenter }, chunks);
  }
  return chunks;
}

interface Limits {
  target: number;
  overlap: number;
  max: number;
  segmenter: Intl.Segmenter;
}

function chunkSection(section: Section, limits: Limits, out: Chunk[]): void {
  const { text } = section;
  const { target, overlap, max } = limits;
  const sentencesOf = (p: Piece): Piece[] => sentences(text, p, limits);
  const tailOf = (p: Piece): Piece[] => tailSentences(text, p, limits);

  // The greedy pass records where its chunks start and end, and the pieces it packed (a partition of the
  // section into whole paragraphs, sentences and fragments); nothing is emitted until the spread pass.
  const units: Piece[] = [];
  const ranges: Array<{ start: number; end: number; tokens: number }> = [];
  let cur: Piece[] = [];
  let curTokens = 0;
  let fresh = 0; // pieces in `cur` that are not overlap from the previous chunk
  let freshTokens = 0;

  const close = () => {
    const head = cur[0];
    const tail = cur.at(-1);
    if (fresh === 0 || !head || !tail) return;
    ranges.push({ start: head.start, end: tail.end, tokens: curTokens });
    cur = overlapTail(cur, overlap, tailOf);
    curTokens = cur.reduce((sum, p) => sum + p.tokens, 0);
    fresh = 0;
    freshTokens = 0;
  };

  // Estimates are subadditive, so a chunk whose pieces sum to <= target is itself estimated <= target.
  const add = (piece: Piece) => {
    if (fresh > 0 && curTokens + piece.tokens > target) close();
    while (cur.length > 0 && curTokens + piece.tokens > target) curTokens -= cur.shift()?.tokens ?? 0;
    cur.push(piece);
    units.push(piece);
    curTokens += piece.tokens;
    fresh++;
    freshTokens += piece.tokens;
  };

  for (const para of paragraphs(text)) {
    const fits = curTokens + para.tokens <= target;
    // A paragraph that fits a chunk stays whole: it goes here, or opens the next chunk when this one is
    // already half full. Otherwise its sentences top this chunk up.
    if (para.tokens <= target && (fits || fresh === 0 || freshTokens >= target / 2)) add(para);
    else for (const sentence of sentencesOf(para)) add(sentence);
  }
  close();

  const emit = (start: number, end: number) => {
    const chunkText = text.slice(start, end);
    out.push({
      text: chunkText,
      page: section.page,
      headingPath: section.headingPath,
      start: section.offset + start,
      end: section.offset + end,
      tokens: estimateTokens(chunkText),
    });
  };

  // A tiny last chunk is a poor search result on its own; fold it into its neighbour when there is room.
  const last = ranges.at(-1);
  const prev = ranges.at(-2);
  if (last && prev && last.tokens < target * 0.2) {
    const merged = text.slice(prev.start, last.end);
    const tokens = estimateTokens(merged);
    if (tokens <= max) {
      for (const r of ranges.slice(0, -2)) emit(r.start, r.end);
      out.push({
        text: merged,
        page: section.page,
        headingPath: section.headingPath,
        start: section.offset + prev.start,
        end: section.offset + last.end,
        tokens,
      });
      return;
    }
  }
  for (const r of spread(units, ranges.length, target) ?? ranges) emit(r.start, r.end);
}

/**
 * The same number of chunks as the greedy pass, spread evenly over the section's units (its whole
 * paragraphs and the sentences of paragraphs too long to keep whole): the first chunk starts at the
 * section start, the last ends at its end, and the ones between start at the unit nearest their even
 * share; each takes whole units up to `target`. The greedy pass fills every chunk but the last, which keeps
 * whatever is left; spreading spends that slack on overlap between all of them instead, so every chunk is
 * full and a passage up to `target` minus the stride (instead of up to `overlap`) lies whole in some chunk.
 *
 * A section is spread only when every chunk after the first would start at a sentence, i.e. inside a
 * paragraph too long to keep whole, where the greedy edges follow no structure. When one would start at a
 * whole paragraph, the greedy edges (paragraph starts, overlap of trailing sentences) are kept: spread over
 * whole paragraphs, chunks lose that sentence-level top-up and overlap (measured worse on covidqa-dev, see
 * docs/retrieval.md). Returns null then, or when the units leave a gap between two chunks.
 */
function spread(units: Piece[], n: number, target: number): Array<{ start: number; end: number }> | null {
  const m = units.length;
  if (n < 2 || m < 2) return null;
  const before = new Array<number>(m + 1); // before[i] = tokens of units[0..i)
  before[0] = 0;
  for (let i = 0; i < m; i++) before[i + 1] = (before[i] as number) + (units[i] as Piece).tokens;
  const sum = (i: number, j: number) => (before[j + 1] as number) - (before[i] as number);
  /** The last unit a chunk starting at unit i can take (at least unit i itself). */
  const lastFrom = (i: number) => {
    let j = i;
    while (j + 1 < m && sum(i, j + 1) <= target) j++;
    return j;
  };
  let lastStart = m - 1;
  while (lastStart > 0 && sum(lastStart - 1, m - 1) <= target) lastStart--;
  const stride = (before[lastStart] as number) / (n - 1);

  const result: Array<{ start: number; end: number }> = [];
  let i = 0;
  let prevStart = -1;
  let prevEnd = -1;
  for (let k = 0; k < n; k++) {
    if (k === n - 1) i = lastStart;
    else if (k > 0) {
      const ideal = k * stride;
      while (i + 1 < m && (before[i + 1] as number) <= ideal) i++;
      if (i + 1 < m && (before[i + 1] as number) - ideal < ideal - (before[i] as number)) i++;
    }
    const j = k === n - 1 ? m - 1 : lastFrom(i);
    if (i <= prevStart || i > prevEnd + 1) return null; // no progress, or a gap
    if (k > 0 && (units[i] as Piece).kind === "paragraph") return null;
    result.push({ start: (units[i] as Piece).start, end: (units[j] as Piece).end });
    prevStart = i;
    prevEnd = j;
  }
  return result;
}

/** The last whole sentences of a chunk, totalling at most `overlap` tokens. */
function overlapTail(pieces: Piece[], overlap: number, tailOf: (p: Piece) => Piece[]): Piece[] {
  const tail: Piece[] = [];
  let tokens = 0;
  for (let i = pieces.length - 1; i >= 0; i--) {
    const piece = pieces[i] as Piece;
    if (piece.kind === "fragment") break;
    const whole = piece.kind !== "paragraph" || tokens + piece.tokens <= overlap;
    const parts = whole ? [piece] : tailOf(piece);
    for (let j = parts.length - 1; j >= 0; j--) {
      const part = parts[j] as Piece;
      if (part.kind === "fragment" || tokens + part.tokens > overlap) return tail;
      tail.unshift(part);
      tokens += part.tokens;
    }
  }
  return tail;
}

/** Paragraphs: text between blank lines, trimmed. */
function paragraphs(text: string): Piece[] {
  const pieces: Piece[] = [];
  const blank = /\n[ \t]*\n\s*/g;
  let from = 0;
  const push = (start: number, end: number) => {
    const r = trimRange(text, start, end);
    if (r) pieces.push({ ...r, tokens: estimateTokens(text.slice(r.start, r.end)), kind: "paragraph" });
  };
  for (let m = blank.exec(text); m !== null; m = blank.exec(text)) {
    push(from, m.index);
    from = m.index + m[0].length;
  }
  push(from, text.length);
  return pieces;
}

/** A paragraph's sentences; a sentence over `max` becomes fragments of at most `target`. */
function sentences(text: string, para: Piece, limits: Limits): Piece[] {
  const pieces: Piece[] = [];
  for (let from = para.start; from < para.end; ) {
    const to = windowEnd(text, from, para.end);
    // Single line breaks become spaces (same length, so offsets hold): PDF and wrapped text break lines
    // mid-sentence, and the segmenter would otherwise end a sentence at every line.
    const windowText = text.slice(from, to).replace(JOIN_LINES, " ");
    for (const { index, segment } of limits.segmenter.segment(windowText)) {
      const r = trimRange(text, from + index, from + index + segment.length);
      if (!r) continue;
      const tokens = estimateTokens(text.slice(r.start, r.end));
      if (tokens <= limits.max) pieces.push({ ...r, tokens, kind: "sentence" });
      else pieces.push(...splitLong(text, r.start, r.end, limits.target));
    }
    from = to;
  }
  return pieces;
}

/**
 * The last sentences of a paragraph, for overlap: only its tail is segmented (the segmenter costs
 * microseconds per call and per sentence, and this runs once per chunk). The first, probably partial,
 * sentence of the tail is marked a fragment so it never becomes overlap.
 */
function tailSentences(text: string, para: Piece, limits: Limits): Piece[] {
  let from = Math.max(para.start, para.end - (limits.overlap * 8 + 64));
  if (isLowSurrogate(text.charCodeAt(from))) from--;
  if (from === para.start) return sentences(text, para, limits);
  const pieces = sentences(text, { ...para, start: from }, limits);
  const head = pieces[0];
  if (head) pieces[0] = { ...head, kind: "fragment" };
  return pieces;
}

/**
 * Where to end a segmenter window: the last line break or sentence end in its second half, else the last
 * space; a window with neither grows to the next break, so a long run without any (Chinese with no
 * punctuation) stays one piece and is cut evenly by splitLong rather than at arbitrary window edges.
 */
function windowEnd(text: string, from: number, end: number): number {
  if (end - from <= SEGMENT_WINDOW) return end;
  const limit = from + SEGMENT_WINDOW;
  let space = -1;
  for (let i = limit; i > from + SEGMENT_WINDOW / 2; i--) {
    const ch = text[i - 1] as string;
    if (ch === "\n" || TERMINATORS.has(ch)) return i;
    if (space < 0 && isSpace(ch.charCodeAt(0))) space = i;
  }
  if (space > 0) return space;
  for (let i = limit; i < end; i++) {
    const ch = text[i] as string;
    if (ch === "\n" || TERMINATORS.has(ch) || isSpace(ch.charCodeAt(0))) return i + 1;
  }
  return end;
}

/**
 * Last resort for a "sentence" over the ceiling (a table dump, a minified line, Chinese without
 * punctuation): pack words, or single CJK characters, up to `limit`; a word that alone is over `limit`
 * is cut between characters.
 */
function splitLong(text: string, start: number, end: number, limit: number): Piece[] {
  const pieces: Piece[] = [];
  let runStart = -1;
  let runEnd = -1;
  let runTokens = 0;
  const push = (a: number, b: number, tokens: number) => {
    if (runStart >= 0 && runTokens + tokens > limit) {
      pieces.push({ start: runStart, end: runEnd, tokens: runTokens, kind: "fragment" });
      runStart = -1;
      runTokens = 0;
    }
    if (runStart < 0) runStart = a;
    runEnd = b;
    runTokens += tokens;
  };

  let i = start;
  while (i < end) {
    if (isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    if (isCjk(cp)) {
      const next = i + (cp > 0xffff ? 2 : 1);
      push(i, next, 1);
      i = next;
      continue;
    }
    let j = i;
    while (j < end) {
      const cj = text.codePointAt(j) ?? 0;
      if (isSpace(text.charCodeAt(j)) || isCjk(cj)) break;
      j += cj > 0xffff ? 2 : 1;
    }
    const tokens = estimateTokens(text.slice(i, j));
    if (tokens <= limit) push(i, j, tokens);
    else cutWord(text, i, j, tokens, limit, push);
    i = j;
  }
  if (runStart >= 0) pieces.push({ start: runStart, end: runEnd, tokens: runTokens, kind: "fragment" });
  return pieces;
}

/** Cuts one over-long word into slices of at most `limit` tokens, sized in proportion and then checked. */
function cutWord(
  text: string,
  start: number,
  end: number,
  tokens: number,
  limit: number,
  push: (a: number, b: number, tokens: number) => void,
): void {
  const step = Math.max(1, Math.floor(((end - start) * limit) / tokens));
  for (let a = start; a < end; ) {
    let b = Math.min(end, a + step);
    let t = estimateTokens(text.slice(a, b));
    while (t > limit && b - a > 1) {
      b = a + Math.max(1, Math.floor((b - a) * 0.9));
      t = estimateTokens(text.slice(a, b));
    }
    // Never split a surrogate pair (an emoji or a rare CJK character).
    if (b < end && isHighSurrogate(text.charCodeAt(b - 1))) {
      b = b - a > 1 ? b - 1 : b + 1;
      t = estimateTokens(text.slice(a, b));
    }
    push(a, b, t);
    a = b;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

function trimRange(text: string, start: number, end: number): { start: number; end: number } | null {
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start < end ? { start, end } : null;
}
