/**
 * Lexical terms shared by the FTS5 index, query building and the built-in embedder.
 *
 * FTS5's unicode61 tokenizer keeps a whole run of Chinese characters as one token, so "借閱規則" would only
 * match that exact run. We index CJK text as overlapping character bigrams plus unigrams instead, and let
 * unicode61 (with porter stemming) handle everything else. Text is NFKC-folded first so full-width letters
 * and digits match their half-width forms, Chinese look-alikes (radicals) are read as their characters
 * (lookalikes.ts), and Traditional Chinese characters are read as their Simplified
 * forms (script-fold.ts) so either script finds the other.
 */
import { unifyLookalikes } from "./lookalikes.js";
import { SIMPLIFIED_UNIT } from "./script-fold.js";

const CJK_RANGES: Array<[number, number]> = [
  [0x3040, 0x30ff], // hiragana, katakana
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xac00, 0xd7af], // hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
  [0x20000, 0x2ffff], // extensions B-F
];

export function isCjkCodePoint(cp: number): boolean {
  for (const [lo, hi] of CJK_RANGES) if (cp >= lo && cp <= hi) return true;
  return false;
}

export interface Terms {
  /** Lowercased words of non-CJK text. */
  words: string[];
  /** CJK single characters. */
  unigrams: string[];
  /** Overlapping CJK character pairs within a run. */
  bigrams: string[];
}

export function fold(text: string): string {
  // NFKC reads Kangxi radicals as their characters, the look-alike table the rest (lookalikes.ts).
  return unifyLookalikes(text.normalize("NFKC")).toLowerCase();
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

/** Classes of a code point in folded text. */
const SEPARATOR = 1;
const WORD_CHAR = 2;
const CJK_CHAR = 3;

/**
 * Lazily filled class of every BMP code unit (0 = not yet known). A letter or digit (`\p{L}` or `\p{N}`) is
 * CJK_CHAR when it lies in CJK_RANGES and WORD_CHAR otherwise; anything else (including a code point in a
 * CJK range that is punctuation or unassigned, and a lone surrogate) separates runs.
 */
const bmpClass = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) {
  const word = (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
  bmpClass[c] = word ? WORD_CHAR : SEPARATOR;
}

function classOf(cp: number, ch: string): number {
  if (!LETTER_OR_NUMBER.test(ch)) return SEPARATOR;
  return isCjkCodePoint(cp) ? CJK_CHAR : WORD_CHAR;
}

const SPACE = 0x20;
const utf16 = new TextDecoder("utf-16le");
/** Reused output buffers (UTF-16 code units); texts longer than this get buffers of their own. */
const KEEP_UNITS = 1 << 16;
let shared = { words: new Uint16Array(0), unigrams: new Uint16Array(0), bigrams: new Uint16Array(0) };

interface Scan {
  words: Uint16Array;
  unigrams: Uint16Array;
  bigrams: Uint16Array;
  /** Lengths used in each buffer: terms separated by single spaces. */
  w: number;
  u: number;
  b: number;
}

/**
 * One pass over the folded text: maximal runs of letters and digits (`[\p{L}\p{N}]+`); a run without CJK
 * is one word; inside a run with CJK every CJK character is a unigram, two adjacent ones a bigram, and the
 * other characters between them words. Terms are written as UTF-16 code units, space separated, into three
 * buffers (this runs on every chunk at ingest: no regex match and no string per character).
 */
function scan(text: string): Scan {
  const s = fold(text);
  const n = s.length;
  let bufs = shared;
  if (bufs.words.length < 2 * n + 2) {
    const size = Math.max(2 * n + 2, 1024);
    bufs = {
      words: new Uint16Array(size),
      unigrams: new Uint16Array(size),
      bigrams: new Uint16Array(size * 2),
    };
    if (size <= 2 * KEEP_UNITS) shared = bufs;
  }
  const { words, unigrams, bigrams } = bufs;
  let w = 0;
  let u = 0;
  let b = 0;
  let inWord = false;
  let prevHi = -1; // the CJK character just before (its code units), when the previous character was one
  let prevLo = -1;
  for (let i = 0; i < n; ) {
    const unit = s.charCodeAt(i);
    let lo = -1; // the low surrogate of an astral character
    let cls = bmpClass[unit] as number;
    if (cls === 0) {
      if (unit >= 0xd800 && unit <= 0xdfff) {
        // Surrogates are never cached: a pair is classified as its code point, a lone one separates.
        const next = unit <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (next >= 0xdc00 && next <= 0xdfff) {
          lo = next;
          cls = classOf(((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000, s.slice(i, i + 2));
        } else {
          cls = SEPARATOR;
        }
      } else {
        cls = classOf(unit, s[i] as string);
        bmpClass[unit] = cls;
      }
    }
    if (cls === WORD_CHAR) {
      if (!inWord) {
        if (w > 0) words[w++] = SPACE;
        inWord = true;
      }
      words[w++] = unit;
      if (lo >= 0) words[w++] = lo;
      prevHi = -1;
    } else {
      inWord = false;
      if (cls === CJK_CHAR) {
        const hi = lo < 0 ? SIMPLIFIED_UNIT[unit] || unit : unit; // Traditional read as Simplified
        if (u > 0) unigrams[u++] = SPACE;
        unigrams[u++] = hi;
        if (lo >= 0) unigrams[u++] = lo;
        if (prevHi >= 0) {
          if (b > 0) bigrams[b++] = SPACE;
          bigrams[b++] = prevHi;
          if (prevLo >= 0) bigrams[b++] = prevLo;
          bigrams[b++] = hi;
          if (lo >= 0) bigrams[b++] = lo;
        }
        prevHi = hi;
        prevLo = lo;
      } else {
        prevHi = -1;
      }
    }
    i += lo >= 0 ? 2 : 1;
  }
  return { words, unigrams, bigrams, w, u, b };
}

const decode = (units: Uint16Array, length: number): string =>
  length === 0 ? "" : utf16.decode(units.subarray(0, length));
const split = (units: Uint16Array, length: number): string[] =>
  length === 0 ? [] : decode(units, length).split(" ");

/** Split text into words and CJK unigrams/bigrams (see `scan`). */
export function extractTerms(text: string): Terms {
  const t = scan(text);
  return { words: split(t.words, t.w), unigrams: split(t.unigrams, t.u), bigrams: split(t.bigrams, t.b) };
}

/** The text stored in the FTS5 column: words as they are, CJK as unigrams and bigrams, space separated. */
export function ftsDocumentText(text: string): string {
  const t = scan(text);
  const parts = [decode(t.words, t.w), decode(t.unigrams, t.u), decode(t.bigrams, t.b)];
  return parts.filter((p) => p !== "").join(" ");
}
