import { describe, expect, it } from "vitest";
import { SIMPLIFIED_UNIT } from "../src/text/script-fold.js";
import { extractTerms, fold, ftsDocumentText, isCjkCodePoint } from "../src/text/terms.js";

/**
 * The straightforward regex version that src/text/terms.ts replaced for speed. The FTS index stores
 * ftsDocumentText's output, so the fast version must produce exactly the same terms, byte for byte.
 */
function referenceTerms(text: string) {
  const words: string[] = [];
  const unigrams: string[] = [];
  const bigrams: string[] = [];
  for (const [run] of fold(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    let word = "";
    let prevCjk = "";
    for (const ch of run) {
      if (isCjkCodePoint(ch.codePointAt(0) ?? 0)) {
        if (word) words.push(word);
        word = "";
        const code = ch.charCodeAt(0);
        const key = ch.length === 1 ? String.fromCharCode(SIMPLIFIED_UNIT[code] || code) : ch;
        unigrams.push(key);
        if (prevCjk) bigrams.push(prevCjk + key);
        prevCjk = key;
      } else {
        word += ch;
        prevCjk = "";
      }
    }
    if (word) words.push(word);
  }
  return { words, unigrams, bigrams };
}

const referenceFts = (text: string) => {
  const t = referenceTerms(text);
  return [...t.words, ...t.unigrams, ...t.bigrams].join(" ");
};

function same(text: string) {
  expect(extractTerms(text), JSON.stringify(text)).toEqual(referenceTerms(text));
  expect(ftsDocumentText(text), JSON.stringify(text)).toBe(referenceFts(text));
}

describe("extractTerms and ftsDocumentText match the reference split exactly", () => {
  it("on mixed English and Chinese prose", () => {
    same("## 借閱規則\n\nKettle K2：每本每天罰款新台幣 5 元。Descale it once a month (or every 3 months)!");
    same("續借。逾期abc罰款 ＡＢＣ１２３ ｶﾀｶﾅ カタカナ・ひらがな ゛゜ 한국어 텍스트 Ⅻ ½ ﬁne naïve café");
    same("");
    same("   ...   ");
    same("word");
    same("中");
  });

  it("on characters outside the BMP, lone surrogates and CJK-range punctuation", () => {
    same("@𧫒 a𠀀b 𠀀𠀁𠀂 x𝐀𝐁y 🐶中🐶文 \ud800 \udc00中 中\ud8b6文 𦼀ƣ鿻グ 鿿 ꀀ 〇〆 ・");
    same("\ud83d");
    same("中\ud83d");
  });

  it("on every BMP code point, alone and between letters", () => {
    for (let cp = 0; cp < 0x10000; cp += 1) {
      const c = String.fromCharCode(cp);
      const text = `${c} a${c}b 中${c}文 ${c}${c}`;
      const t = extractTerms(text);
      const r = referenceTerms(text);
      if (JSON.stringify(t) !== JSON.stringify(r)) expect(t, `U+${cp.toString(16)}`).toEqual(r);
    }
  });

  it("on seeded random strings from interesting ranges", () => {
    let seed = 12345;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const ranges = [
      [0x20, 0x7e],
      [0xa0, 0x36f],
      [0x2000, 0x218f],
      [0x3000, 0x30ff],
      [0x3400, 0x4dbf],
      [0x4e00, 0xa00f],
      [0xac00, 0xdfff],
      [0xf900, 0xffef],
      [0x1d400, 0x1f6ff],
      [0x20000, 0x2fa1f],
      [0x0, 0x10ffff],
    ] as const;
    for (let k = 0; k < 5000; k++) {
      let s = "";
      const len = 1 + Math.floor(rnd() * 30);
      for (let j = 0; j < len; j++) {
        const [lo, hi] = ranges[Math.floor(rnd() * ranges.length)] as readonly [number, number];
        const cp = lo + Math.floor(rnd() * (hi - lo + 1));
        s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
        if (rnd() < 0.2) s += " ";
      }
      same(s);
    }
  });

  it("on a long text (buffers larger than the reused ones)", () => {
    same("借閱規則 Kettle K2 ".repeat(20000));
    same("short 中文 after a long one");
  });
});

describe("Traditional and Simplified Chinese are one script for matching", () => {
  it("gives the same terms for the same words in either script, and leaves the text's other parts alone", () => {
    const traditional = extractTerms("臺灣的圖書館借閱規則與國語辭典 Library 2024");
    const simplified = extractTerms("台湾的图书馆借阅规则与国语辞典 Library 2024");
    expect(traditional).toEqual(simplified);
    expect(traditional.bigrams).toContain("借阅");
    expect(traditional.words).toEqual(["library", "2024"]);
    expect(ftsDocumentText("圖書館")).toBe(ftsDocumentText("图书馆"));
  });
});
