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
