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

export function fold(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

const RUN = /[\p{L}\p{N}]+/gu;
const HAS_CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2ffff}]/u;

/**
 * Split text into words and CJK unigrams/bigrams. One regex pass finds the runs of letters and digits;
 * only runs that contain CJK are walked character by character (this runs on every chunk at ingest).
 */
export function extractTerms(text: string): Terms {
  const words: string[] = [];
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  for (const [run] of fold(text).matchAll(RUN)) {
    if (!HAS_CJK.test(run)) {
      words.push(run);
      continue;
    }
    let word = "";
    let prevCjk = "";
    for (const ch of run) {
      if (isCjkCodePoint(ch.codePointAt(0) ?? 0)) {
        if (word) words.push(word);
        word = "";
        unigrams.push(ch);
        if (prevCjk) bigrams.push(prevCjk + ch);
        prevCjk = ch;
      } else {
        word += ch;
        prevCjk = "";
      }
    }
    if (word) words.push(word);
  }
  return { words, unigrams, bigrams };
}

/** The text stored in the FTS5 column: words as they are, CJK as unigrams and bigrams, space separated. */
export function ftsDocumentText(text: string): string {
  const t = extractTerms(text);
  return [...t.words, ...t.unigrams, ...t.bigrams].join(" ");
}
