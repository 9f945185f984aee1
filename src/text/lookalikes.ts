/**
 * Chinese look-alike code points read as the characters they stand for. PDFs printed with Noto CJK (and
 * other CJK fonts) often map a glyph shared by a character and its radical to the radical's code point, so
 * the text layer says ⾦ (U+2FA6 KANGXI RADICAL GOLD) where the page shows 金: the reader sees 金, but every
 * program downstream (search, the chat model, copy and paste) gets a different character.
 *
 * One table, used at load time (ingest/loaders/decode.ts: stored, shown and sent text is the real
 * character), when search folds text into terms (terms.ts), and by migration 3 for indexes built before:
 * - Kangxi radicals (U+2F00–U+2FD5), all 214, to the unified ideograph NFKC gives them;
 * - CJK Radicals Supplement (U+2E80–U+2EFF), which NFKC leaves alone except for two: the forms that are
 *   whole characters (mostly the simplified ones, ⻓ 长, ⻔ 门, ⻄ 西 ...), to Unicode's equivalent unified
 *   ideograph. Forms that only occur inside other characters (⺅, ⺡, ⺾ ...) are left as they are: they do
 *   not stand for a character of running text, and some share a shape with more than one character.
 *
 * Every entry maps one BMP code unit to one BMP code unit, so the text keeps its length and chunk offsets
 * stay valid when stored text is rewritten. CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–) need no
 * entry: they decompose canonically, so the NFC that every loader already applies replaces them.
 */

/** Radicals Supplement forms that are whole characters, with their equivalent unified ideograph. */
const SUPPLEMENT =
  "⺁厂⺊卜⺎兀⺐尢⺒巳⺓幺⺔彑⺛旡⺜日⺝月⺞歺⺟母⺠民⺩王⺬示⺯糸⺻聿⻁虎⻄西⻅见⻆角⻉贝⻋车⻑長⻒镸⻓长⻔门" +
  "⻘青⻙韦⻚页⻛风⻜飞⻝食⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻭歯⻮齿⻯竜⻰龙⻱龜⻲亀⻳龟";

/** The unified ideograph for a look-alike code unit, 0 when the unit is not one. */
export const UNIFIED_UNIT: Uint16Array = (() => {
  const table = new Uint16Array(0x10000);
  for (let unit = 0x2f00; unit <= 0x2fd5; unit++) {
    table[unit] = String.fromCharCode(unit).normalize("NFKC").charCodeAt(0);
  }
  for (let i = 0; i < SUPPLEMENT.length; i += 2)
    table[SUPPLEMENT.charCodeAt(i)] = SUPPLEMENT.charCodeAt(i + 1);
  return table;
})();

const LOOKALIKE = /[\u2e80-\u2fdf]/;

/** `text` with every look-alike replaced by its unified ideograph; the same length, unit for unit. */
export function unifyLookalikes(text: string): string {
  if (!LOOKALIKE.test(text)) return text;
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const to = UNIFIED_UNIT[text.charCodeAt(i)] as number;
    if (to === 0) continue;
    out += text.slice(from, i) + String.fromCharCode(to);
    from = i + 1;
  }
  return out + text.slice(from);
}

/** Whether `text` holds a look-alike that `unifyLookalikes` replaces. */
export function hasLookalikes(text: string): boolean {
  return LOOKALIKE.test(text) && unifyLookalikes(text) !== text;
}
