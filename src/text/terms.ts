/**
 * Lexical terms shared by the FTS5 index, query building and the built-in embedder.
 *
 * FTS5's unicode61 tokenizer keeps a whole run of Chinese characters as one token, so "借閱規則" would only
 * match that exact run. We index CJK text as overlapping character bigrams plus unigrams instead, and let
 * unicode61 (with porter stemming) handle everything else. Text is NFKC-folded first so full-width letters
 * and digits match their half-width forms.
 */
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

const WORD = /[\p{L}\p{N}]/u;

export function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** Split text into words and CJK unigrams/bigrams. */
export function extractTerms(text: string): Terms {
  const words: string[] = [];
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  let word = "";
  let prevCjk = "";
  for (const ch of fold(text)) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isCjkCodePoint(cp)) {
      if (word) words.push(word);
      word = "";
      unigrams.push(ch);
      if (prevCjk) bigrams.push(prevCjk + ch);
      prevCjk = ch;
    } else if (WORD.test(ch)) {
      word += ch;
      prevCjk = "";
    } else {
      if (word) words.push(word);
      word = "";
      prevCjk = "";
    }
  }
  if (word) words.push(word);
  return { words, unigrams, bigrams };
}

/** The text stored in the FTS5 column: words as they are, CJK as unigrams and bigrams, space separated. */
export function ftsDocumentText(text: string): string {
  const t = extractTerms(text);
  return [...t.words, ...t.unigrams, ...t.bigrams].join(" ");
}
