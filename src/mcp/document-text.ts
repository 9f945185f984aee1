import type { StoredChunk } from "../store/store.js";

interface DocumentPage {
  /** 1-based page (PDFs), or null for formats without pages. */
  page: number | null;
  text: string;
}

type ChunkPart = Pick<StoredChunk, "page" | "text" | "start" | "end">;

/**
 * A document's text rebuilt from its chunks (given in document order), page by page. Neighbouring chunks
 * overlap by up to GROUNDED_CHUNK_OVERLAP tokens, and a chunk's text is exactly the document text between
 * its offsets (ingest/chunker.ts), so the repeated part is cut by offset and no sentence appears twice. The
 * space between sections, which no chunk holds, becomes a blank line.
 */
export function documentPages(chunks: readonly ChunkPart[]): DocumentPage[] {
  const pages: DocumentPage[] = [];
  let start = -1;
  let end = -1;
  for (const c of chunks) {
    // Each chunk of a document starts after the one before; offsets that do not (chunks stored without
    // them) say nothing about overlap, so such a chunk is kept whole.
    const ordered = c.start > start && c.end >= c.start;
    if (ordered && c.end <= end) continue;
    const overlap = ordered && c.start <= end ? end - c.start : -1;
    const text = overlap >= 0 ? c.text.slice(overlap) : c.text;
    const last = pages.at(-1);
    if (last && last.page === c.page) last.text += overlap >= 0 ? text : `\n\n${text}`;
    else pages.push({ page: c.page, text });
    if (ordered) {
      start = c.start;
      end = c.end;
    } else start = end = -1;
  }
  return pages;
}

/** The whole text as one string: each page under a `--- page N ---` line (formats without pages have none). */
export function documentText(chunks: readonly ChunkPart[]): string {
  return documentPages(chunks)
    .map((p) => (p.page === null ? p.text : `--- page ${p.page} ---\n${p.text}`))
    .join("\n\n");
}
