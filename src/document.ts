import path from "node:path";

/** What a loader hands the chunker, and what the chunker hands the store. */

/** A run of text that shares a page and a heading path, e.g. one PDF page or one Markdown section. */
export interface Section {
  text: string;
  /** 1-based page for paged formats (PDF), else null. */
  page: number | null;
  /** Headings above this section, outermost first (Markdown/HTML), else []. */
  headingPath: string[];
  /** Character offset of `text` within the document's extracted text. */
  offset: number;
}

export interface LoadedDocument {
  /** "pdf" | "markdown" | "text" | "html" | "docx" */
  format: string;
  title: string | null;
  sections: Section[];
  /** Something the user should know about how the file was read (a legacy encoding), for the ingest report. */
  note?: string;
}

export interface Chunk {
  text: string;
  page: number | null;
  headingPath: string[];
  /** Character offsets [start, end) within the document's extracted text. */
  start: number;
  end: number;
  /** Estimated tokens of `text`. */
  tokens: number;
}

/**
 * The line of context indexed with each chunk for BM25 (not shown to users): the document's title, or its
 * file name when it has none, and the chunk's heading path.
 */
export function contextLine(title: string | null, file: string, headingPath: string[]): string {
  return [title ?? path.basename(file), ...headingPath].join(" > ").slice(0, 200);
}

/** What ingest embeds for a chunk: its context line, then its text (so the vector knows what the text is about). */
export function embeddingText(context: string, text: string): string {
  return `${context}\n${text}`;
}
