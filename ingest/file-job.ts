import { createHash } from "node:crypto";
import { type Chunk, contextLine } from "../src/document.js";
import type { ChunkToStore, Store } from "../src/store/store.js";
import { chunkDocument } from "./chunker.js";
import { type ParseOptions, parseFile, readFileChecked } from "./loaders/index.js";

/** One file on its way into the index: loaded and chunked, its vectors arriving batch by batch. */
export interface FileJob {
  path: string;
  source: string;
  root: string;
  hash: string;
  bytes: number;
  title: string | null;
  format: string;
  pages: number | null;
  existed: boolean;
  note: string | undefined;
  chunks: Chunk[];
  contexts: string[];
  vectors: Array<Float32Array | undefined>;
  remaining: number;
  failed: boolean;
}

export interface PrepareOptions {
  store: Store;
  /** The embedding model of this run: a stored document embedded by another is not "unchanged". */
  model: string;
  reindex: boolean;
  maxFileBytes: number;
  chunking: { targetTokens: number; overlapTokens: number; maxTokens: number };
  /** What the loader is told for this file (OCR, with progress naming the file). */
  parse?: (file: string, source: string) => ParseOptions;
}

/**
 * Read, hash, load and chunk one file; null when the index already holds this exact content from this model.
 * `readAhead` is the file's bytes if their reading has already started (pipeline.ts reads a few files ahead).
 */
export async function prepareFile(
  file: string,
  source: string,
  root: string,
  readAhead: Promise<Buffer | null>,
  { store, model, reindex, maxFileBytes, chunking, parse }: PrepareOptions,
): Promise<FileJob | null> {
  // Size, emptiness and read errors are checked (and worded) once, by the loader's reader.
  const bytes = (await readAhead) ?? (await readFileChecked(file, maxFileBytes));
  const hash = createHash("sha256").update(bytes).digest("hex");
  const existing = await store.documentByPath(file);
  if (existing && existing.hash === hash && existing.embedModel === model && !reindex) return null;
  const doc = await parseFile(file, bytes, parse?.(file, source));
  const chunks = chunkDocument(doc, chunking);
  const pages = doc.format === "pdf" ? Math.max(0, ...doc.sections.map((s) => s.page ?? 0)) : null;
  return {
    path: file,
    source,
    root,
    hash,
    bytes: bytes.length,
    title: doc.title,
    format: doc.format,
    pages,
    existed: existing !== undefined,
    note: doc.note,
    chunks,
    contexts: chunks.map((c) => contextLine(doc.title, file, c.headingPath)),
    vectors: new Array(chunks.length),
    remaining: chunks.length,
    failed: false,
  };
}

/** A finished job as the store takes it: the document's record and its chunks with context and vector. */
export function toStoredDocument(job: FileJob, embedModel: string) {
  return {
    doc: {
      path: job.path,
      source: job.source,
      root: job.root,
      title: job.title,
      format: job.format,
      hash: job.hash,
      bytes: job.bytes,
      pages: job.pages,
      embedModel,
    },
    chunks: job.chunks.map(
      (c, i): ChunkToStore => ({
        ...c,
        context: job.contexts[i] ?? "",
        vector: job.vectors[i] as Float32Array,
      }),
    ),
  };
}
