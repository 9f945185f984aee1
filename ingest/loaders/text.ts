import type { LoadedDocument } from "../../src/document.js";

/** Plain text has no structure we can trust, so it is one section; the chunker finds paragraphs in it. */
export function loadPlainText(text: string): LoadedDocument {
  const lead = text.length - text.trimStart().length;
  const body = text.trim();
  return {
    format: "text",
    title: null,
    sections: body ? [{ text: body, page: null, headingPath: [], offset: lead }] : [],
  };
}
