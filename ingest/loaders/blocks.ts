import type { Section } from "../../src/document.js";
import { normalizeText } from "./decode.js";

/** A structural unit extracted from a markup format (HTML, DOCX) before it becomes sections. */
export type Block = { kind: "heading"; level: number; text: string } | { kind: "paragraph"; text: string };

export interface BlockSections {
  sections: Section[];
  /** The first level-1 heading, a fallback title. */
  firstH1: string | null;
}

/**
 * Lays blocks out as the document text (blocks separated by a blank line) and cuts it into sections at
 * each heading, with the heading chain as `headingPath` like the Markdown loader. Each section's text is
 * the exact slice of that document text at its offset; the heading line opens its section so that a chunk
 * still says what it is about.
 */
export function sectionsFromBlocks(blocks: Block[]): BlockSections {
  const sections: Section[] = [];
  const stack: { level: number; text: string }[] = [];
  let firstH1: string | null = null;
  let offset = 0;
  let current: { parts: string[]; headingPath: string[]; offset: number; hasBody: boolean } | null = null;

  const close = () => {
    if (current?.hasBody) {
      sections.push({
        text: current.parts.join("\n\n"),
        page: null,
        headingPath: current.headingPath,
        offset: current.offset,
      });
    }
  };

  for (const block of blocks) {
    const text = normalizeText(block.text).trim();
    if (!text) continue;
    if (block.kind === "heading") {
      close();
      while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= block.level) stack.pop();
      stack.push({ level: block.level, text });
      if (block.level === 1 && firstH1 === null) firstH1 = text;
      current = { parts: [text], headingPath: stack.map((h) => h.text), offset, hasBody: false };
    } else if (current) {
      current.parts.push(text);
      current.hasBody = true;
    } else {
      current = { parts: [text], headingPath: [], offset, hasBody: true };
    }
    offset += text.length + 2;
  }
  close();
  return { sections, firstH1 };
}
