import type { LoadedDocument } from "../../src/document.js";
import { LoaderError } from "../../src/errors.js";
import { type Block, sectionsFromBlocks } from "./blocks.js";
import { decodeEntities } from "./entities.js";
import { readZipEntry } from "./zip.js";

/**
 * Word documents without a dependency: the text lives in the `word/document.xml` part of the zip, one
 * `<w:p>` per paragraph, and Word's built-in "Heading N" / "Title" paragraph styles mark the structure.
 */
export function loadDocx(data: Uint8Array, file: string): LoadedDocument {
  let xml: string;
  try {
    const part = readZipEntry(data, "word/document.xml");
    if (!part) throw new Error("no word/document.xml");
    xml = part.toString("utf8");
  } catch (error) {
    throw new LoaderError(file, "is not a readable Word document (damaged, or not a .docx)", error);
  }

  const blocks: Block[] = [];
  let title: string | null = null;
  for (const m of xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>|<w:p\/>/g)) {
    const paragraph = m[0];
    const text = paragraphText(paragraph);
    if (!text.trim()) continue;
    const style = /<w:pStyle\s+w:val="([^"]*)"/.exec(paragraph)?.[1] ?? "";
    const level = /^heading\s?([1-9])$/i.exec(style)?.[1];
    if (/^title$/i.test(style)) {
      title ??= text.trim();
      blocks.push({ kind: "heading", level: 1, text });
    } else if (level) {
      blocks.push({ kind: "heading", level: Math.min(Number(level), 6), text });
    } else {
      blocks.push({ kind: "paragraph", text });
    }
  }
  const { sections, firstH1 } = sectionsFromBlocks(blocks);
  if (sections.length === 0) throw new LoaderError(file, "contains no text");
  return { format: "docx", title: title ?? firstH1, sections };
}

/** Text runs, tabs and line breaks of one paragraph, in document order. */
function paragraphText(paragraph: string): string {
  let text = "";
  // Paragraph properties hold tab-stop definitions (<w:tab .../>) that are not text.
  const content = paragraph.replace(/<w:pPr>[\s\S]*?<\/w:pPr>/, "");
  for (const m of content.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>|<w:(tab|br|cr)\b[^>]*\/>/g)) {
    if (m[1] !== undefined) text += decodeEntities(m[1]);
    else text += m[2] === "tab" ? "\t" : "\n";
  }
  return text;
}
