import { type Chunk, contextLine, embeddingText } from "../src/document.js";
import { EmptyFileError } from "../src/errors.js";
import type { ChunkToStore, DocumentParts, Store } from "../src/store/store.js";
import { chunkDocument } from "./chunker.js";
import type { PrepareOptions } from "./file-job.js";
import { readsInParts, scanTextFile, textSections } from "./loaders/text-parts.js";

/** A large plain-text file on its way into the index in parts (loaders/text-parts.ts). */
export interface PartsJob {
  kind: "parts";
  path: string;
  source: string;
  root: string;
  hash: string;
  bytes: number;
  existed: boolean;
  /** The context line of every chunk (a plain text has no title or headings). */
  context: string;
  chunking: PrepareOptions["chunking"];
}

/**
 * The parts job for `file` when it is read in parts (a UTF-8 plain text of PARTS_FROM_BYTES or more), null
 * when the index already holds this exact content from this model, undefined when the file is read whole
 * (any other file, or a large text in a legacy encoding).
 */
export async function preparePartsJob(
  file: string,
  source: string,
  root: string,
  { store, model, reindex, maxFileBytes, chunking }: PrepareOptions,
): Promise<PartsJob | null | undefined> {
  if (!(await readsInParts(file))) return undefined;
  const scanned = await scanTextFile(file, maxFileBytes);
  if (!scanned.utf8) return undefined;
  const existing = await store.documentByPath(file);
  if (existing && existing.hash === scanned.hash && existing.embedModel === model && !reindex) return null;
  return {
    kind: "parts",
    path: file,
    source,
    root,
    hash: scanned.hash,
    bytes: scanned.bytes,
    existed: existing !== undefined,
    context: contextLine(null, file, []),
    chunking,
  };
}

export interface PartsDeps {
  store: Store;
  embedModel: string;
  batchSize: number;
  /** Embedding requests in flight at once. */
  concurrency: number;
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Told the width of the first vectors before anything is written (a fresh index adopts it). */
  checkWidth(width: number): Promise<void>;
  /** Told after each part is stored (progress). */
  onPart?(chunks: number): void;
}

/**
 * Read, chunk, embed and store a large text one part at a time, so only about two parts (their text,
 * chunks and vectors) are in memory: the next part is embedded while the previous one is written. All
 * parts go into one write transaction (Store.replaceDocumentInParts), opened once the first part's vectors
 * have arrived, so searches see the old version until the last part is in and then the new one whole; a
 * failure anywhere (the model, the disk, an abort) rolls back and the previous version stays. The caller
 * makes sure nothing else is being embedded or committed meanwhile (pipeline.ts). Returns the chunk count
 * and the embedding requests sent.
 */
export async function ingestInParts(
  job: PartsJob,
  deps: PartsDeps,
): Promise<{ chunks: number; requests: number }> {
  let requests = 0;
  let stopped = false;
  const embedAll = async (texts: string[]): Promise<Float32Array[]> => {
    const vectors: Float32Array[] = new Array(texts.length);
    let next = 0;
    const slot = async () => {
      while (next < texts.length && !stopped) {
        const from = next;
        next += deps.batchSize;
        requests++;
        const got = await deps.embed(texts.slice(from, from + deps.batchSize));
        got.forEach((v, i) => {
          vectors[from + i] = v;
        });
      }
    };
    await Promise.all(Array.from({ length: deps.concurrency }, slot));
    return vectors;
  };

  const doc = {
    path: job.path,
    source: job.source,
    root: job.root,
    title: null,
    format: "text",
    hash: job.hash,
    bytes: job.bytes,
    pages: null,
    embedModel: deps.embedModel,
  };
  let parts: DocumentParts | null = null;
  let chunks = 0;
  const store = async (part: Chunk[], vectors: Float32Array[]) => {
    if (!parts) {
      const width = vectors[0]?.length;
      if (width !== undefined) await deps.checkWidth(width);
      parts = await deps.store.replaceDocumentInParts(doc);
    }
    await parts.add(
      part.map((c, i): ChunkToStore => ({ ...c, context: job.context, vector: vectors[i] as Float32Array })),
    );
    chunks += part.length;
    deps.onPart?.(chunks);
  };

  let waiting: { part: Chunk[]; vectors: Promise<Float32Array[]> } | null = null;
  try {
    for await (const section of textSections(job.path)) {
      const part = chunkDocument({ format: "text", title: null, sections: [section] }, job.chunking);
      const vectors = embedAll(part.map((c) => embeddingText(job.context, c.text)));
      vectors.catch(() => {}); // awaited below, after the part before it is stored
      if (waiting) await store(waiting.part, await waiting.vectors);
      waiting = { part, vectors };
    }
    if (waiting) await store(waiting.part, await waiting.vectors);
    if (!parts) throw new EmptyFileError(job.path, "is empty (it contains no text)");
    await (parts as DocumentParts).commit();
    return { chunks, requests };
  } catch (error) {
    stopped = true;
    await (parts as DocumentParts | null)?.rollback();
    throw error;
  }
}
