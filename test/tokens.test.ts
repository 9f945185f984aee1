import { describe, expect, it } from "vitest";
import { estimateTokens, isCjk } from "../src/text/tokens.js";

describe("estimateTokens", () => {
  it("counts each CJK ideograph, kana and hangul syllable as one token", () => {
    expect(estimateTokens("借期為二十一天")).toBe(7);
    expect(estimateTokens("ひらがなカタカナ")).toBe(8);
    expect(estimateTokens("도서관")).toBe(3);
    // Full-width punctuation counts too.
    expect(estimateTokens("借期為二十一天。")).toBe(8);
  });

  it("counts English at about one token per four letters, at least one per word", () => {
    expect(estimateTokens("a")).toBe(1);
    expect(estimateTokens("kettle")).toBe(2);
    expect(estimateTokens("the cat sat")).toBe(3);
    const sentence = "Descale the kettle once a month in a hard-water area, or every three months.";
    const tokens = estimateTokens(sentence);
    expect(tokens).toBeGreaterThanOrEqual(sentence.length / 5);
    expect(tokens).toBeLessThanOrEqual(sentence.length / 2);
  });

  it("counts numbers and punctuation, not whitespace", () => {
    expect(estimateTokens("")).toBe(0);
    expect(estimateTokens(" \n\t\u3000 ")).toBe(0);
    expect(estimateTokens("a,b")).toBe(3);
    expect(estimateTokens("123456")).toBe(2);
    expect(estimateTokens("3.14")).toBe(3);
    expect(estimateTokens("😀")).toBe(2);
  });

  it("is subadditive, so chunks can be packed by summing piece estimates", () => {
    const alphabet = ["a", "Z", "7", " ", "\n", ",", "。", "字", "é", "😀", "𠀋", "-"];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 500; round++) {
      const parts = Array.from({ length: 30 }, () => alphabet[Math.floor(random() * alphabet.length)] ?? "");
      const cut = Math.floor(random() * parts.length);
      const a = parts.slice(0, cut).join("");
      const b = parts.slice(cut).join("");
      expect(estimateTokens(a + b)).toBeLessThanOrEqual(estimateTokens(a) + estimateTokens(b));
    }
  });

  it("estimates megabytes of text quickly", () => {
    const text = Buffer.from("Water tomatoes early. 早上澆水。 ".repeat(200_000)).toString();
    const started = performance.now();
    const tokens = estimateTokens(text);
    const ms = performance.now() - started;
    expect(tokens).toBeGreaterThan(2_000_000);
    // ~5.6 M characters; a single pass takes well under a second; the bound only catches an accidental quadratic.
    expect(ms).toBeLessThan(4000);
  });
});

describe("isCjk", () => {
  it("recognises ideographs, kana and hangul, including astral extensions", () => {
    for (const ch of ["中", "書", "あ", "カ", "한", "𠀋"]) expect(isCjk(ch.codePointAt(0) ?? 0)).toBe(true);
    for (const ch of ["A", "é", "Я", "。", "，", "😀", " "])
      expect(isCjk(ch.codePointAt(0) ?? 0)).toBe(false);
  });
});
