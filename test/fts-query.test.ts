import { describe, expect, it } from "vitest";
import { buildFtsQuery } from "../src/text/fts-query.js";
import { extractTerms, ftsDocumentText } from "../src/text/terms.js";

describe("lexical terms", () => {
  it("splits Chinese runs into unigrams and overlapping bigrams (Traditional read as Simplified), words elsewhere", () => {
    const t = extractTerms("借閱規則 Kettle K2");
    expect(t.unigrams).toEqual(["借", "阅", "规", "则"]);
    expect(t.bigrams).toEqual(["借阅", "阅规", "规则"]);
    expect(t.words).toEqual(["kettle", "k2"]);
  });

  it("does not pair characters across punctuation or Latin text", () => {
    const t = extractTerms("續借。逾期abc罰款");
    expect(t.bigrams).toEqual(["续借", "逾期", "罚款"]);
  });

  it("folds full-width letters and digits to half-width", () => {
    expect(extractTerms("ＡＢＣ１２３").words).toEqual(["abc123"]);
  });

  it("indexes CJK as space-separated terms so FTS5 sees each one", () => {
    expect(ftsDocumentText("罰款").split(" ").sort()).toEqual(["款", "罚", "罚款"].sort());
  });
});

describe("buildFtsQuery", () => {
  it("ORs quoted content terms and their adjacent pairs as phrases, dropping English stopwords", () => {
    const q = buildFtsQuery("What is the warranty period?");
    expect(q.match).toBe('"warranty" OR "period" OR "warranty period"');
    expect(q.keyMatch).toBe('"warranty" OR "period"');
  });

  it("keeps stopwords when nothing else is left", () => {
    expect(buildFtsQuery("what is it").match).toBe('"what" OR "is" OR "it"');
  });

  it("builds bigram and unigram terms for Chinese, dropping grammar characters", () => {
    const q = buildFtsQuery("逾期罰款是多少？");
    expect(q.match).toContain('"罚款"');
    expect(q.match).toContain('"逾期"');
    expect(q.match).not.toContain('"是"');
    expect(q.keyMatch).not.toContain('"罚"');
  });

  it("escapes quotes so user text never becomes FTS5 syntax", () => {
    const q = buildFtsQuery('say "hello" NEAR(x) OR *');
    expect(q.match).toBe('"say" OR "hello" OR "near" OR "x" OR "say hello" OR "hello near" OR "near x"');
  });

  it("returns null for text without any term", () => {
    expect(buildFtsQuery("?!  ...").match).toBeNull();
  });
});
