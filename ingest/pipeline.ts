import { createHash } from "node:crypto";
import path from "node:path";
import type { Config } from "../src/config.js";
import { type Chunk, contextLine, embeddingText } from "../src/document.js";
import type { Embedder } from "../src/embedding/embedder.js";
import { EmbeddingMismatchError, EmptyFileError, GroundedError, ModelNotFoundError } from "../src/errors.js";
import { ensureCalibration } from "../src/retrieval/calibration.js";
import type { ChunkToStore, Store } from "../src/store/store.js";
import { createBatcher } from "./batcher.js";
import { chunkDocument } from "./chunker.js";
import { parseFile, readAhead, readFileChecked } from "./loaders/index.js";
import { sourceFor, walk } from "./walk.js";

export type FileStatus = "added" | "updated" | "unchanged" | "failed" | "skipped" | "removed";

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
  | { type: "progress"; files: number; chunksQueued: number; chunksEmbedded: number };

export interface IngestOptions {
  roots: string[];
  prune?: boolean;
  reindex?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
  /**
   * Recalibrate the "not covered" decision when the index changed enough (src/retrieval/calibration.ts). Default true;
   * the batching benchmark turns it off to time embedding alone.
   */
  calibrate?: boolean;
}

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

export interface IngestDeps {
  store: Store;
  embedder: Embedder;
  config: Config;
}

interface FileJob {
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

/** Files whose reading has started while earlier files are loaded, chunked and stored. */
const READ_AHEAD_FILES = 4;

/**
 * The walked files, each with its bytes already being read (readAhead), up to READ_AHEAD_FILES ahead of
 * the one being processed, so waiting on the disk overlaps with grounded's own work. Order is kept, and a
 * walk error surfaces after the files walked before it, as without read-ahead.
 */
async function* readingAhead(
  files: AsyncIterable<string>,
  maxBytes: number,
): AsyncGenerator<{ file: string; bytes: Promise<Buffer | null> }> {
  const ahead: Array<{ file: string; bytes: Promise<Buffer | null> }> = [];
  try {
    for await (const file of files) {
      ahead.push({ file, bytes: readAhead(file, maxBytes) });
      if (ahead.length > READ_AHEAD_FILES) yield ahead.shift() as (typeof ahead)[number];
    }
  } catch (error) {
    while (ahead.length) yield ahead.shift() as (typeof ahead)[number];
    throw error;
  }
  while (ahead.length) yield ahead.shift() as (typeof ahead)[number];
}

/** Chunks stored per transaction while ingesting (see `flush` in ingest()). */
const COMMIT_CHUNKS = 512;
/** Longest a complete document waits to be committed, while more work arrives. */
const COMMIT_MS = 1000;

export async function ingest(
  { store, embedder, config }: IngestDeps,
  options: IngestOptions,
): Promise<IngestSummary> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
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
  const info = await embedder.info(options.signal);
  const current = store.indexInfo();
  if (
    options.reindex &&
    current &&
    (current.embedModel !== info.model || current.dimensions !== info.dimensions)
  ) {
    store.reset({ embedModel: info.model, dimensions: info.dimensions });
  } else {
    store.ensureIndexInfo({ embedModel: info.model, dimensions: info.dimensions });
  }

  let dimensions = info.dimensions;

  // Chunks stay well inside the embedding model's context: room is left for the context line and prefix.
  const maxTokens = Math.max(32, Math.min(Math.max(config.chunkTokens, 512), info.contextLength - 96));
  const targetTokens = Math.min(config.chunkTokens, maxTokens);
  const overlapTokens = Math.min(config.chunkOverlapTokens, Math.floor(targetTokens / 2));

  let files = 0;
  let chunksQueued = 0;
  let chunksEmbedded = 0;
  let fatal: unknown = null;
  const fail = (source: string, filePath: string, reason: string) => {
    summary.failed++;
    summary.failures.push({ source, reason });
    emit({ type: "file", status: "failed", source, path: filePath, reason });
  };
  /** An empty file: nothing to index. A version indexed when it still had text goes, as the text has. */
  const skip = (source: string, filePath: string, reason: string) => {
    const old = store.documentByPath(filePath);
    if (old) store.deleteDocument(old.id);
    const why = old ? `${reason}; its earlier version was removed from the index` : reason;
    summary.skipped++;
    summary.skips.push({ source, reason: why });
    emit({ type: "file", status: "skipped", source, path: filePath, reason: why });
  };
  const other = (file: string) => {
    const ext = path.extname(file).toLowerCase();
    summary.otherFiles[ext] = (summary.otherFiles[ext] ?? 0) + 1;
  };

  /** Store whole documents in one transaction, then report them (only once they are safely stored). */
  const commit = (...jobs: FileJob[]) => {
    store.replaceDocuments(jobs.map(toStore));
    jobs.forEach(report);
  };
  const toStore = (job: FileJob) => ({
    doc: {
      path: job.path,
      source: job.source,
      root: job.root,
      title: job.title,
      format: job.format,
      hash: job.hash,
      bytes: job.bytes,
      pages: job.pages,
      embedModel: info.model,
    },
    chunks: job.chunks.map(
      (c, i): ChunkToStore => ({
        ...c,
        context: job.contexts[i] ?? "",
        vector: job.vectors[i] as Float32Array,
      }),
    ),
  });

  /**
   * Documents whose vectors are all in, waiting to be committed together. They are committed when the
   * batcher is about to wait on the model (idle time: a commit then cannot hold up a response and the next
   * request), or once COMMIT_CHUNKS chunks or COMMIT_MS have gathered when the model keeps up (one
   * transaction, one WAL commit and one FTS5 segment, per COMMIT_CHUNKS chunks instead of one per embedding
   * batch). Each document is still whole or absent after a crash; at most the last second of work is redone.
   */
  let pending: FileJob[] = [];
  let pendingChunks = 0;
  let pendingSince = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const jobs = pending;
    pending = [];
    pendingChunks = 0;
    try {
      commit(...jobs);
    } catch (error) {
      // Storing failed (e.g. disk full): those files failed, the run goes on and says so.
      for (const job of jobs) {
        job.failed = true;
        const why = error instanceof GroundedError ? error.message : String(error);
        fail(job.source, job.path, `embedding failed, the previous version stays in the index: ${why}`);
      }
    }
  };
  const complete = (jobs: FileJob[]) => {
    if (pending.length === 0) pendingSince = performance.now();
    for (const job of jobs) {
      pending.push(job);
      pendingChunks += job.chunks.length;
    }
    if (pendingChunks >= COMMIT_CHUNKS || performance.now() - pendingSince >= COMMIT_MS) flush();
  };
  const report = (job: FileJob) => {
    const chunks = job.chunks;
    summary.chunks += chunks.length;
    if (job.existed) summary.updated++;
    else summary.added++;
    if (job.note) summary.notes.push({ source: job.source, note: job.note });
    emit({
      type: "file",
      status: job.existed ? "updated" : "added",
      source: job.source,
      path: job.path,
      chunks: chunks.length,
      ...(job.note ? { note: job.note } : {}),
    });
  };

  const batcher = createBatcher<FileJob>({
    batchSize: config.embedBatchSize,
    concurrency: config.embedConcurrency,
    embed: (texts) => embedder.embed(texts, { role: "document", signal: options.signal }),
    onVectors(items, vectors) {
      const width = vectors[0]?.length;
      if (width !== undefined && width !== dimensions) {
        // The vectors themselves, not the model's metadata, decide the index's width: a server may report
        // another embedding_length than it returns. A fresh index adopts the real width; a filled one cannot.
        if (store.counts().chunks > 0)
          throw new EmbeddingMismatchError(info.model, dimensions, info.model, width, config.cli);
        store.reset({ embedModel: info.model, dimensions: width });
        dimensions = width;
      }
      const done: FileJob[] = [];
      items.forEach((item, i) => {
        const job = item.owner;
        job.vectors[item.index] = vectors[i];
        job.remaining--;
        chunksEmbedded++;
        if (job.remaining === 0 && !job.failed) done.push(job);
      });
      if (done.length) complete(done);
      emit({ type: "progress", files, chunksQueued, chunksEmbedded });
    },
    // Waiting on the model: store what is complete now, while no response can be held up by it.
    beforeWait: () => flush(),
    onError(items, error) {
      const stopsTheRun =
        error instanceof ModelNotFoundError ||
        error instanceof EmbeddingMismatchError ||
        (error as Error)?.name === "AbortError";
      if (stopsTheRun) fatal ??= error;
      for (const job of new Set(items.map((i) => i.owner))) {
        if (job.failed) continue;
        job.failed = true;
        const why = error instanceof GroundedError ? error.message : String(error);
        fail(job.source, job.path, `embedding failed, the previous version stays in the index: ${why}`);
      }
    },
  });

  try {
    for (const rootArg of options.roots) {
      const root = path.resolve(rootArg);
      const seen = new Set<string>();
      let walkedAll = true;
      try {
        for await (const { file, bytes } of readingAhead(
          walk(root, { onOther: other }),
          config.maxFileBytes,
        )) {
          if (fatal) break;
          options.signal?.throwIfAborted();
          seen.add(file);
          files++;
          const source = sourceFor(root, file);
          const job = await prepare(file, source, root, bytes).catch((e: unknown) => {
            const reason = e instanceof GroundedError ? e.message.replace(`${file}: `, "") : String(e);
            if (e instanceof EmptyFileError) skip(source, file, reason);
            else fail(source, file, reason);
            return null;
          });
          if (!job) continue;
          if (job.chunks.length === 0) {
            commit(job);
            continue;
          }
          chunksQueued += job.chunks.length;
          await batcher.push(
            job.chunks.map((c, index) => ({
              text: embeddingText(job.contexts[index] ?? "", c.text),
              owner: job,
              index,
            })),
          );
          emit({ type: "progress", files, chunksQueued, chunksEmbedded });
        }
      } catch (e) {
        if ((e as Error)?.name === "AbortError") throw e;
        walkedAll = false;
        fail(
          rootArg,
          root,
          e instanceof GroundedError ? e.message : `cannot be read: ${(e as Error).message}`,
        );
      }
      // A file named under two roots is then seen as stored by the second.
      flush();
      if (options.prune && walkedAll && !fatal) {
        for (const doc of store.documentsUnder(root)) {
          if (seen.has(doc.path)) continue;
          store.deleteDocument(doc.id);
          summary.removed++;
          emit({ type: "file", status: "removed", source: doc.source, path: doc.path });
        }
      }
    }
    await batcher.drain();
  } finally {
    // Whatever happens (an abort, a fatal error), documents that are complete get stored.
    flush();
  }
  summary.embedRequests = batcher.requests;
  if (fatal) throw fatal;
  // The "not covered" decision is calibrated on the index itself; remeasured when it has changed enough.
  if (options.calibrate !== false) await ensureCalibration(store, embedder, options.signal);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;

  async function prepare(
    file: string,
    source: string,
    root: string,
    readAhead: Promise<Buffer | null>,
  ): Promise<FileJob | null> {
    // Size, emptiness and read errors are checked (and worded) once, by the loader's reader.
    const bytes = (await readAhead) ?? (await readFileChecked(file, config.maxFileBytes));
    const hash = createHash("sha256").update(bytes).digest("hex");
    const existing = store.documentByPath(file);
    if (existing && existing.hash === hash && existing.embedModel === info.model && !options.reindex) {
      summary.unchanged++;
      emit({ type: "file", status: "unchanged", source, path: file });
      return null;
    }
    const doc = await parseFile(file, bytes);
    const chunks = chunkDocument(doc, { targetTokens, overlapTokens, maxTokens });
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
}
