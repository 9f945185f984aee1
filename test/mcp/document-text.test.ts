import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../ingest/chunker.js";
import { loadMarkdown } from "../../ingest/loaders/markdown.js";
import type { Chunk, LoadedDocument } from "../../src/document.js";
import { documentPages, documentText } from "../../src/mcp/document-text.js";

/** Small chunks with a large overlap, so a short text makes many overlapping chunks. */
const SMALL = { targetTokens: 60, overlapTokens: 25, maxTokens: 80 };

function sentences(topic: string, n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `The ${topic} rule number ${i + 1} says step ${i * 7 + 3} comes next.`,
  ).join(" ");
}

function overlapping(chunks: readonly Chunk[]): number {
  return chunks.filter((c, i) => i > 0 && c.start < (chunks[i - 1] as Chunk).end).length;
}

describe("a document's text rebuilt from its chunks (the MCP document resource)", () => {
  it("is the document's text again: overlaps cut, sections a blank line apart, nothing repeated", () => {
    const text = [
      "# Handbook",
      "",
      sentences("first", 12),
      "",
      "## Watering",
      "",
      sentences("watering", 15),
      "",
      sentences("barrel", 9),
      "",
      "## Pests",
      "",
      sentences("pest", 14),
    ].join("\n");
    const chunks = chunkDocument(loadMarkdown(text), SMALL);
    // The case that matters: chunks that repeat the end of the one before.
    expect(overlapping(chunks)).toBeGreaterThan(3);
    expect(documentText(chunks)).toBe(text);
  });

  it("groups pages under `--- page N ---` lines, each page's text whole", () => {
    const pageTexts = [sentences("greenhouse", 10), sentences("tomato", 14), sentences("aphid", 3)];
    let offset = 0;
    const doc: LoadedDocument = {
      format: "pdf",
      title: null,
      sections: pageTexts.map((t, i) => {
        const section = { text: t, page: i + 1, headingPath: [], offset };
        offset += t.length + 1;
        return section;
      }),
    };
    const chunks = chunkDocument(doc, SMALL);
    expect(overlapping(chunks)).toBeGreaterThan(1);
    expect(documentPages(chunks)).toEqual(pageTexts.map((t, i) => ({ page: i + 1, text: t })));
    expect(documentText(chunks)).toBe(pageTexts.map((t, i) => `--- page ${i + 1} ---\n${t}`).join("\n\n"));
  });

  it("keeps chunks whole when their offsets say nothing (each one starting at 0)", () => {
    const chunks = ["one part", "another part", "last"].map((t) => ({
      text: t,
      page: null,
      start: 0,
      end: t.length,
    }));
    expect(documentText(chunks)).toBe("one part\n\nanother part\n\nlast");
  });

  it("is empty for a document without chunks", () => {
    expect(documentText([])).toBe("");
  });
});
