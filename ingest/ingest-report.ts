import path from "node:path";
import type { Store } from "../src/store/store.js";

type FileStatus = "added" | "updated" | "unchanged" | "failed" | "skipped" | "removed";

export type IngestEvent =
  | {
      type: "file";
      status: FileStatus;
      source: string;
      path: string;
      chunks?: number;
      /** Why a file failed or was skipped. */
      reason?: string;
      /** How an added or updated file was read, when the user should know (a legacy encoding). */
      note?: string;
    }
  | { type: "progress"; files: number; chunksQueued: number; chunksEmbedded: number }
  /** A PDF page read by OCR: `done` of the file's `total` pages to recognise. */
  | { type: "ocr"; source: string; path: string; page: number; done: number; total: number };

export interface IngestSummary {
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  failed: number;
  /** Files with nothing to index (empty), listed one by one; they do not fail the run. */
  skipped: number;
  chunks: number;
  seconds: number;
  embedRequests: number;
  failures: Array<{ source: string; reason: string }>;
  skips: Array<{ source: string; reason: string }>;
  notes: Array<{ source: string; note: string }>;
  /** Files in the folders that are not of a supported type, by extension (".png", "" for none). */
  otherFiles: Record<string, number>;
}

/** A file's outcome as the run reports it: counted in the summary and told to `onEvent` as it happens. */
export interface IngestReport {
  summary: IngestSummary;
  emit(event: IngestEvent): void;
  unchanged(source: string, file: string): void;
  stored(file: {
    source: string;
    path: string;
    chunks: number;
    existed: boolean;
    note?: string | undefined;
  }): void;
  failed(source: string, file: string, reason: string): void;
  /** An empty file: nothing to index. A version indexed when it still had text goes, as the text has. */
  skipped(source: string, file: string, reason: string): Promise<void>;
  removed(source: string, file: string): void;
  /** A file of a type grounded does not read, counted by extension. */
  other(file: string): void;
}

export function createIngestReport(
  store: Store,
  onEvent: (event: IngestEvent) => void = () => {},
): IngestReport {
  const summary: IngestSummary = {
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    failed: 0,
    skipped: 0,
    chunks: 0,
    seconds: 0,
    embedRequests: 0,
    failures: [],
    skips: [],
    notes: [],
    otherFiles: {},
  };
  return {
    summary,
    emit: onEvent,
    unchanged(source, file) {
      summary.unchanged++;
      onEvent({ type: "file", status: "unchanged", source, path: file });
    },
    stored({ source, path: file, chunks, existed, note }) {
      summary.chunks += chunks;
      if (existed) summary.updated++;
      else summary.added++;
      if (note) summary.notes.push({ source, note });
      onEvent({
        type: "file",
        status: existed ? "updated" : "added",
        source,
        path: file,
        chunks,
        ...(note ? { note } : {}),
      });
    },
    failed(source, file, reason) {
      summary.failed++;
      summary.failures.push({ source, reason });
      onEvent({ type: "file", status: "failed", source, path: file, reason });
    },
    async skipped(source, file, reason) {
      const old = await store.documentByPath(file);
      if (old) await store.deleteDocument(old.id);
      const why = old ? `${reason}; its earlier version was removed from the index` : reason;
      summary.skipped++;
      summary.skips.push({ source, reason: why });
      onEvent({ type: "file", status: "skipped", source, path: file, reason: why });
    },
    removed(source, file) {
      summary.removed++;
      onEvent({ type: "file", status: "removed", source, path: file });
    },
    other(file) {
      const ext = path.extname(file).toLowerCase();
      summary.otherFiles[ext] = (summary.otherFiles[ext] ?? 0) + 1;
    },
  };
}
