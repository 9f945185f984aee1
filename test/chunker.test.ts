import { describe, expect, it } from "vitest";
import { chunkDocument } from "../ingest/chunker.js";
import { loadMarkdown } from "../ingest/loaders/markdown.js";
import type { Chunk, LoadedDocument, Section } from "../src/document.js";
import { estimateTokens } from "../src/text/tokens.js";

/** A document of one section per text, laid out like the PDF loader does (joined by a blank line). */
function docOf(texts: string[], pages = false): { doc: LoadedDocument; docText: string } {
  const sections: Section[] = [];
  let offset = 0;
  texts.forEach((text, i) => {
    sections.push({ text, page: pages ? i + 1 : null, headingPath: pages ? [] : [`Part ${i + 1}`], offset });
    offset += text.length + 2;
  });
  return { doc: { format: "text", title: null, sections }, docText: texts.join("\n\n") };
}

const opts = { targetTokens: 60, overlapTokens: 15, maxTokens: 80 };

function expectExactOffsets(chunks: Chunk[], docText: string): void {
  for (const c of chunks) {
    expect(docText.slice(c.start, c.end)).toBe(c.text);
    expect(c.tokens).toBe(estimateTokens(c.text));
  }
}

describe("chunkDocument", () => {
  it("keeps short paragraphs whole and starts chunks at paragraph starts", () => {
    const paragraphs = Array.from(
      { length: 8 },
      (_, i) => `Paragraph ${i} talks about descaling. It has two sentences about kettle number ${i}.`,
    );
    const { doc, docText } = docOf([paragraphs.join("\n\n")]);
    const chunks = chunkDocument(doc, { ...opts, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(c.text.startsWith("Paragraph ")).toBe(true);
      expect(c.text.endsWith(".")).toBe(true);
      expect(c.tokens).toBeLessThanOrEqual(opts.targetTokens);
    }
    expect(chunks.map((c) => c.text).join("\n\n")).toBe(docText);
    expectExactOffsets(chunks, docText);
  });

  it("splits a long run of Chinese at 。！？ into sentence-aligned chunks", () => {
    const sentences = Array.from(
      { length: 60 },
      (_, i) => `第${i}條規則說明每位讀者最多可以借閱十本書${i % 3 === 0 ? "！" : "。"}`,
    );
    const text = sentences.join("");
    const { doc, docText } = docOf([text]);
    const chunks = chunkDocument(doc, opts);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.text).toMatch(/^第\d+條/);
      expect(c.text).toMatch(/[。！]$/);
      expect(c.tokens).toBeLessThanOrEqual(opts.targetTokens);
    }
    expectExactOffsets(chunks, docText);
  });

  it("splits English sentences, ignoring line wraps inside a sentence", () => {
    const text = Array.from(
      { length: 40 },
      (_, i) => `Sentence ${i} explains how\nto water the tomatoes slowly.`,
    ).join(" ");
    const { doc, docText } = docOf([text]);
    const chunks = chunkDocument(doc, opts);
    for (const c of chunks) {
      expect(c.text).toMatch(/^Sentence \d+ explains/);
      expect(c.text).toMatch(/slowly\.$/);
    }
    expectExactOffsets(chunks, docText);
  });

  it("overlaps chunks by whole sentences, at least the overlap budget", () => {
    const text = Array.from({ length: 50 }, (_, i) => `Step ${i} is short.`).join(" ");
    const { doc, docText } = docOf([text]);
    const chunks = chunkDocument(doc, opts);
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const prev = chunks[i - 1] as Chunk;
      const next = chunks[i] as Chunk;
      expect(next.start).toBeGreaterThan(prev.start);
      expect(next.start).toBeLessThan(prev.end); // there is overlap
      const shared = docText.slice(next.start, prev.end);
      expect(shared).toMatch(/^Step \d+ is short\.( Step \d+ is short\.)*$/);
      expect(estimateTokens(shared)).toBeGreaterThanOrEqual(opts.overlapTokens - 6); // within a sentence
    }
  });

  it("spreads a section's chunks evenly, so each is full and long passages stay whole", () => {
    // Fourteen sentences of 10 tokens, chunks of 100: greedy packing would give 100 + a 60-token tail
    // (sentences 8-13, with two of overlap); spread, the second chunk is sentences 4-13.
    const sentences = Array.from("甲乙丙丁戊己庚辛壬癸子丑寅卯", (c) => `${c}號規則說明一件事。`);
    const { doc, docText } = docOf([sentences.join("")]);
    const chunks = chunkDocument(doc, { targetTokens: 100, overlapTokens: 20, maxTokens: 120 });
    expect(chunks.map((c) => c.tokens)).toEqual([100, 100]);
    expect(chunks[0]?.start).toBe(0);
    expect(chunks[1]?.end).toBe(docText.length);
    expect(chunks[1]?.text.startsWith("戊號")).toBe(true);
    const passage = sentences.slice(7, 13).join(""); // 60 tokens, beyond the overlap budget
    expect(chunks.some((c) => c.text.includes(passage))).toBe(true);
    expectExactOffsets(chunks, docText);
  });

  it.each([
    ["English without spaces", "a".repeat(20_000)],
    ["Chinese without punctuation", "字".repeat(20_000)],
    ["digits and emoji", "1234567890😀".repeat(2_000)],
    ["one word among spaces", `${"word ".repeat(500)}${"x".repeat(5_000)} end`],
  ])("never exceeds maxTokens: %s", (_name, text) => {
    const { doc, docText } = docOf([text]);
    const chunks = chunkDocument(doc, { targetTokens: 400, overlapTokens: 60, maxTokens: 512 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(estimateTokens(c.text)).toBeLessThanOrEqual(512);
    // Nothing is lost: the chunks cover the text end to end.
    expect(chunks[0]?.start).toBe(0);
    expect(chunks.at(-1)?.end).toBe(text.length);
    for (let i = 1; i < chunks.length; i++)
      expect((chunks[i] as Chunk).start).toBeLessThanOrEqual((chunks[i - 1] as Chunk).end + 1);
    expectExactOffsets(chunks, docText);
    // Surrogate pairs are never split.
    for (const c of chunks)
      expect(c.text).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it("never crosses a section, and carries its page and heading path", () => {
    const page = (n: number) =>
      Array.from({ length: 12 }, (_, i) => `Page ${n} fact ${i} is recorded here.`).join(" ");
    const { doc, docText } = docOf([page(1), page(2), page(3)], true);
    const chunks = chunkDocument(doc, opts);
    for (const c of chunks) {
      const pages = new Set([...c.text.matchAll(/Page (\d)/g)].map((m) => Number(m[1])));
      expect([...pages]).toEqual([c.page]);
    }
    expect(new Set(chunks.map((c) => c.page))).toEqual(new Set([1, 2, 3]));
    expectExactOffsets(chunks, docText);

    const md = loadMarkdown(
      "# Guide\n\nIntro.\n\n## Safety\n\nNever immerse the base.\n\n### Cord\n\nKeep it dry.\n",
    );
    const mdChunks = chunkDocument(md, opts);
    expect(mdChunks.map((c) => c.headingPath)).toEqual([
      ["Guide"],
      ["Guide", "Safety"],
      ["Guide", "Safety", "Cord"],
    ]);
  });

  it("folds a tiny last chunk into the previous one", () => {
    const body = Array.from({ length: 10 }, (_, i) => `Line ${i} has a few words in it.`).join(" ");
    const { doc } = docOf([`${body} End.`]);
    const chunks = chunkDocument(doc, { targetTokens: 40, overlapTokens: 0, maxTokens: 80 });
    const last = chunks.at(-1) as Chunk;
    expect(last.text.endsWith("End.")).toBe(true);
    expect(last.tokens).toBeGreaterThanOrEqual(40 * 0.2);
  });

  it("chunks a large corpus fast", () => {
    const paragraph =
      "Greenhouses need steady watering in the morning, before the sun is high. Check the soil with a finger; if the top two centimetres are dry, water slowly at the base of each plant. 溫室植物需要在早上澆水。請用手指檢查土壤。";
    const text = Array.from({ length: 400 }, () => paragraph).join("\n\n");
    const { doc } = docOf(Array.from({ length: 50 }, () => text));
    const started = performance.now();
    const chunks = chunkDocument(doc, { targetTokens: 400, overlapTokens: 60, maxTokens: 512 });
    const seconds = (performance.now() - started) / 1000;
    expect(chunks.length).toBeGreaterThanOrEqual(4_000);
    expect(chunks.length / seconds).toBeGreaterThan(2_000); // measured 8-17k/s on a busy 2-core box; only catches a regression
  });
});
