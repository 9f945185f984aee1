import type { LoadedDocument, Section } from "../../src/document.js";
import { LoaderError } from "../../src/errors.js";
import { normalizeText } from "./decode.js";
import { type PdfOcrOptions, recognizePages } from "./pdf-ocr.js";
import { PdfReadError, readPdfText } from "./pdf-text.js";

export interface PdfOptions {
  /** Recognise pages without text (GROUNDED_OCR); without it only the text layer is read. */
  ocr?: PdfOcrOptions | undefined;
}

const PAGE_SEPARATOR = "\n\n";

/**
 * One section per page, so every chunk can cite its page. The document text is the page texts joined by a
 * blank line (empty pages included, so offsets do not depend on which pages had text); pages without
 * text get no section. With OCR, a page's recognised text stands in for its text layer (pdf-ocr.ts).
 */
export async function loadPdf(
  data: Uint8Array,
  file: string,
  options: PdfOptions = {},
): Promise<LoadedDocument> {
  let pages: { num: number; text: string }[];
  let title: string | null = null;
  try {
    const read = await readPdfText(data);
    pages = read.pages;
    title = cleanTitle(read.title);
  } catch (error) {
    if (error instanceof PdfReadError && error.pdfName === "PasswordException") {
      throw new LoaderError(file, "is password-protected; remove the password and ingest again", error);
    }
    throw new LoaderError(file, "is not a readable PDF (damaged or not a PDF)", error);
  }
  if (options.ocr) pages = await withOcr(data, pages, options.ocr, file);

  const sections: Section[] = [];
  let offset = 0;
  pages.forEach((page, i) => {
    const text = normalizeText(page.text).trimEnd();
    const lead = text.length - text.trimStart().length;
    if (text.trim() !== "") {
      // pdf-parse numbers pages from 1; fall back to the position if a version ever omits it.
      sections.push({
        text: text.trim(),
        page: page.num > 0 ? page.num : i + 1,
        headingPath: [],
        offset: offset + lead,
      });
    }
    offset += text.length + PAGE_SEPARATOR.length;
  });
  if (sections.length === 0) {
    throw new LoaderError(
      file,
      options.ocr
        ? `has no text layer and OCR (${options.ocr.engine.langs}) found no text on its ${plural(pages.length, "page")} either; ` +
            "if it is a scan, check that it is legible (about 300 dpi) and that GROUNDED_OCR_LANGS names its languages, " +
            "or run OCR on it yourself, e.g. ocrmypdf, then ingest again"
        : "has no text layer (scanned images?); run OCR on it first, e.g. ocrmypdf, then ingest again",
    );
  }
  return { format: "pdf", title, sections };
}

/** The pages with their recognised text; a failure is this file's LoaderError, naming the page. */
async function withOcr(
  data: Uint8Array,
  pages: { num: number; text: string }[],
  ocr: PdfOcrOptions,
  file: string,
): Promise<{ num: number; text: string }[]> {
  try {
    const { texts } = await recognizePages(data, pages, ocr);
    return pages.map((page, i) => ({ num: page.num, text: texts[i] ?? page.text }));
  } catch (error) {
    if ((error as Error)?.name === "AbortError") throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new LoaderError(
      file,
      `could not be read by OCR (${why}); ingest it again, or set GROUNDED_OCR=off to index only its text layer`,
      error,
    );
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The document-info title, when the producer set a meaningful one. */
function cleanTitle(raw: string | null): string | null {
  const title = raw === null ? "" : normalizeText(raw).trim();
  return title && !/^untitled$|^microsoft word - /i.test(title) ? title : null;
}
