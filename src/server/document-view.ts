import type { DocumentRecord } from "../store/store.js";

/** How a document looks in every response that lists or returns one. */
export function documentView(d: DocumentRecord) {
  return {
    id: d.id,
    source: d.source,
    title: d.title,
    format: d.format,
    pages: d.pages,
    chunks: d.chunkCount,
    bytes: d.bytes,
    embedModel: d.embedModel,
    ingestedAt: d.ingestedAt,
  };
}
