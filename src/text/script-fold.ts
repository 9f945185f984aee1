import TRADITIONAL_TO_SIMPLIFIED from "opencc-js/dict/TSCharacters";

/**
 * Traditional and Simplified Chinese folded onto one script for matching: a Traditional question finds a
 * Simplified document and the other way round (many readers of Traditional Chinese search documents
 * written in Simplified, and Wikipedia-style texts mix both). Every Traditional character with a
 * one-character Simplified form in OpenCC's character table (TSCharacters, 3,512 pairs; Apache-2.0, shipped by
 * the opencc-js package) is read as that form, on both sides of the lexical search: the index and the query.
 * Character by character, not phrase by phrase: matching needs the same key for the same character, not a
 * fluent conversion. Text shown to users is never converted.
 *
 * A table indexed by UTF-16 code unit (0 = unchanged), so the term scanner pays one array read per CJK
 * character. Pairs with a character outside the Basic Multilingual Plane (546, all rare) are left out.
 */
export const SIMPLIFIED_UNIT: Uint16Array = (() => {
  const table = new Uint16Array(0x10000);
  for (const pair of TRADITIONAL_TO_SIMPLIFIED.split("|")) {
    const [from, to] = pair.split(" ");
    if (from?.length === 1 && to?.length === 1) table[from.charCodeAt(0)] = to.charCodeAt(0);
  }
  return table;
})();
