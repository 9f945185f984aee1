import path from "node:path";
import type { LoadedDocument } from "../../src/document.js";
import { EmptyFileError, LoaderError } from "../../src/errors.js";
import { decodeText, normalizeText } from "./decode.js";
import { loadDocx } from "./docx.js";
import { loadHtml } from "./html.js";
import { loadMarkdown } from "./markdown.js";
import { loadPdf, type PdfOptions } from "./pdf.js";
import { readAhead, readFileChecked } from "./read.js";

export { readAhead, readFileChecked };

import { loadPlainText } from "./text.js";

/** What loaders may be told besides the bytes; today only PDFs are (OCR). */
export type ParseOptions = PdfOptions;

export interface LoadOptions extends ParseOptions {
  /** Largest file to read, in bytes (GROUNDED_MAX_FILE_MB). */
  maxBytes: number;
}

type Loader = (
  bytes: Buffer,
  file: string,
  options: ParseOptions,
) => LoadedDocument | Promise<LoadedDocument>;

/** A text format: decoded (with a note when it was not Unicode), then parsed. */
const text = (parse: (text: string) => LoadedDocument, normalize = true): Loader => {
  return (bytes, file) => {
    const decoded = decodeText(bytes, file);
    const doc = parse(normalize ? normalizeText(decoded.text) : decoded.text);
    return decoded.note ? { ...doc, note: decoded.note } : doc;
  };
};

const LOADERS: Readonly<Record<string, Loader>> = Object.freeze({
  ".pdf": loadPdf,
  ".md": text(loadMarkdown),
  ".markdown": text(loadMarkdown),
  ".txt": text(loadPlainText),
  // HTML normalises each block itself, after tags and entities are gone.
  ".html": text(loadHtml, false),
  ".htm": text(loadHtml, false),
  ".docx": loadDocx,
});

/** Lower-case extensions, with the dot, that `loadFile` understands. */
export const supportedExtensions: readonly string[] = Object.freeze(Object.keys(LOADERS));

/**
 * Loads one file into sections, choosing the format by extension (case-insensitive: Windows users have
 * REPORT.PDF). Every failure is a LoaderError whose message names the file and what to do about it.
 */
export async function loadFile(filePath: string, options: LoadOptions): Promise<LoadedDocument> {
  return parseFile(filePath, await readFileChecked(filePath, options.maxBytes), options);
}

/** Like loadFile, for bytes already read (ingest reads each file once: to hash it, then to parse it). */
export async function parseFile(
  filePath: string,
  bytes: Buffer,
  options: ParseOptions = {},
): Promise<LoadedDocument> {
  const ext = path.extname(filePath).toLowerCase();
  const loader = Object.hasOwn(LOADERS, ext) ? LOADERS[ext] : undefined;
  if (!loader) {
    throw new LoaderError(
      filePath,
      `has an unsupported type "${ext || "(no extension)"}"; supported: ${supportedExtensions.join(", ")}`,
    );
  }
  const doc = await loader(bytes, filePath, options);
  if (doc.sections.length === 0) throw new EmptyFileError(filePath, "is empty (it contains no text)");
  return doc;
}
