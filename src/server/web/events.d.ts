// The shapes the web page reads from the server: what /api/ask streams (NDJSON, one event per line) and the
// error body. They mirror src/answer/answerer.ts (AskEvent); this file is for the page's type check only
// (`// @ts-check` in app.js, checked by `npm run typecheck` through src/server/web/tsconfig.json).

export interface SourceRef {
  n: number;
  source: string;
  page: number | null;
  heading: string | null;
  documentId: number;
  chunkId: number;
  chunkIds: number[];
  text: string;
  score: number;
}

export interface CheckedSentence {
  text: string;
  citations: number[];
  support: "supported" | "weak" | "unsupported" | "uncited";
  score: number;
  evidence: { n: number; start: number; end: number } | null;
}

export interface AskResult {
  answer: string;
  citations: SourceRef[];
  sources: SourceRef[];
  grounded: boolean;
  coverage: "answered" | "partial" | "not_covered";
  sentences: CheckedSentence[];
  unsupported: number;
  mode: "generative" | "extractive";
  model: string | null;
  /** The standalone question a follow-up was rewritten into for the search, or null. */
  searchedFor: string | null;
  timings: { retrievalMs: number; generationMs: number; totalMs: number };
}

/** One line of the /api/ask stream. */
export type AskEvent =
  | { type: "sources"; sources: SourceRef[] }
  | { type: "delta"; content: string }
  | ({ type: "done" } & AskResult)
  | { type: "error"; error: { code: string; message: string } };

export interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** One earlier turn of the conversation, as /api/ask takes it in `history`. */
export interface HistoryTurn {
  role: "user" | "assistant";
  content: string;
}

/** One document as GET /api/documents lists it (src/server/document-view.ts). */
export interface DocumentView {
  id: number;
  source: string;
  title: string | null;
  format: string;
  pages: number | null;
  chunks: number;
}

/** The parts of GET /health the page shows. */
export interface Health {
  index: { documents: number };
  chatModel: string | null;
  mode: { answer: "generative" | "extractive" };
}
