/**
 * A fast, deliberately conservative token estimate for multilingual embedding and chat models (bge-m3,
 * nomic, Gemma, Llama ...). We never have the model's tokenizer at hand, and over-estimating only makes
 * chunks a little smaller, while under-estimating makes the embedder truncate them silently.
 *
 * Costs, per piece of text:
 * - a CJK ideograph, kana or hangul syllable: 1 token (most vocabularies hold common ones whole);
 * - a run of ASCII letters: 1 token per 4 letters, rounded up (so every word costs at least 1);
 * - digits cost more (tokenizers cut numbers into 1-3 digit pieces): 1 token per 3 digits;
 * - other letters (accented Latin, Greek, Cyrillic, ...): 1 token per 2 characters;
 * - each punctuation mark or symbol: 1 token; an astral symbol (emoji): 2 tokens;
 * - whitespace: free, it merges into the neighbouring token.
 *
 * The estimate is subadditive: estimateTokens(a + b) <= estimateTokens(a) + estimateTokens(b) whenever the
 * cut does not fall inside a surrogate pair. The chunker relies on that to pack pieces by summing their
 * estimates without re-estimating the growing chunk.
 */

/** Weights in twelfths of a token, so all arithmetic stays in small integers. */
const ASCII_LETTER = 3;
const DIGIT = 4;
const OTHER_LETTER = 6;
const PER_TOKEN = 12;

/** Ideographs, kana, hangul and bopomofo: scripts written without spaces, about one token per character. */
export function isCjk(codePoint: number): boolean {
  if (codePoint < 0x1100) return false;
  return (
    (codePoint >= 0x4e00 && codePoint <= 0x9fff) || // CJK Unified Ideographs
    (codePoint >= 0x3400 && codePoint <= 0x4dbf) || // Extension A
    (codePoint >= 0x3040 && codePoint <= 0x30ff) || // Hiragana, Katakana
    (codePoint >= 0x3100 && codePoint <= 0x312f) || // Bopomofo
    (codePoint >= 0x31a0 && codePoint <= 0x31ff) || // Bopomofo Extended, Katakana Phonetic Extensions
    (codePoint >= 0xac00 && codePoint <= 0xd7af) || // Hangul Syllables
    (codePoint >= 0x1100 && codePoint <= 0x11ff) || // Hangul Jamo
    (codePoint >= 0x3130 && codePoint <= 0x318f) || // Hangul Compatibility Jamo
    (codePoint >= 0xf900 && codePoint <= 0xfaff) || // Compatibility Ideographs
    (codePoint >= 0xff66 && codePoint <= 0xff9f) || // Halfwidth Katakana
    (codePoint >= 0x20000 && codePoint <= 0x323af) // Extensions B-H and Compatibility Supplement
  );
}

/** Whitespace that separates words: ASCII, NBSP, the Unicode spaces, line/paragraph separators, ideographic space. */
export function isSpace(code: number): boolean {
  return (
    code === 0x20 ||
    (code >= 0x09 && code <= 0x0d) ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}

/**
 * Letters of alphabetic scripts outside ASCII: Latin-1 letters through Greek Extended (Cyrillic, Arabic,
 * Indic, Thai, combining marks ...). A coarse range check instead of a Unicode property lookup keeps the
 * loop fast; the few symbols inside the range are merely counted as half a token.
 */
function isOtherLetter(code: number): boolean {
  return code >= 0xc0 && code <= 0x1fff && code !== 0xd7 && code !== 0xf7;
}

/**
 * Per ASCII code: the weight it adds to a word run, or SPACE / PUNCT. A table lookup keeps the hot loop
 * free of branches on character ranges (about 1-2 ns per character).
 */
const SPACE = -1;
const PUNCT = -2;
const ASCII_CLASS = (() => {
  const table = new Int8Array(128).fill(PUNCT);
  for (let c = 0x41; c <= 0x5a; c++) table[c] = ASCII_LETTER;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = ASCII_LETTER;
  for (let c = 0x30; c <= 0x39; c++) table[c] = DIGIT;
  table[0x5f] = ASCII_LETTER;
  for (const c of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) table[c] = SPACE;
  return table;
})();

export function estimateTokens(text: string): number {
  let tokens = 0;
  let weight = 0; // of the current word-ish run, in twelfths
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    let cls: number;
    if (c < 0x80) cls = ASCII_CLASS[c] as number;
    else if (isOtherLetter(c)) cls = OTHER_LETTER;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) {
      const cp = (c - 0xd800) * 0x400 + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      i++;
      if (weight > 0) tokens += Math.ceil(weight / PER_TOKEN);
      weight = 0;
      tokens += isCjk(cp) ? 1 : 2;
      continue;
    } else cls = isSpace(c) ? SPACE : PUNCT;
    if (cls > 0) {
      weight += cls;
      continue;
    }
    if (weight > 0) {
      tokens += Math.ceil(weight / PER_TOKEN);
      weight = 0;
    }
    // CJK characters, punctuation, symbols, fullwidth forms, lone surrogates: one each; spaces: nothing.
    if (cls === PUNCT) tokens++;
  }
  if (weight > 0) tokens += Math.ceil(weight / PER_TOKEN);
  return tokens;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
