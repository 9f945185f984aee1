import path from "node:path";
import type { Config } from "../src/config.js";
import { embeddingText } from "../src/document.js";
import type { Embedder, EmbedderInfo } from "../src/embedding/embedder.js";
import { EmbeddingMismatchError, EmptyFileError, GroundedError, ModelNotFoundError } from "../src/errors.js";
import { ensureCalibration, type MeasureShare } from "../src/retrieval/calibration.js";
import type { Store } from "../src/store/store.js";
import { createBatcher } from "./batcher.js";
import { createCommitQueue } from "./commit-queue.js";
import { type FileJob, type PrepareOptions, prepareFile } from "./file-job.js";
import { createIngestReport, type IngestEvent, type IngestSummary } from "./ingest-report.js";
import { ingestInParts, type PartsJob, preparePartsJob } from "./large-text.js";
import type { ParseOptions } from "./loaders/index.js";
import { createOcrEngine, type OcrEngine } from "./loaders/ocr.js";
import { readingAhead } from "./read-ahead.js";
import { sourceFor, walk } from "./walk.js";

export interface IngestOptions {
  roots: string[];
  prune?: boolean;
  reindex?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: IngestEvent) => void;
  /**
   * Recalibrate the "not covered" decision when the index changed enough (src/retrieval/calibration.ts).
   * Default true; the batching benchmark turns it off to time embedding alone.
   */
  calibrate?: boolean;
}

export interface IngestDeps {
  store: Store;
  embedder: Embedder;
  config: Config;
  /** Another thread that measures half of the calibration's searches meanwhile (threaded-commits.ts). */
  measureShare?: MeasureShare | undefined;
  /**
   * Whether `store.replaceDocuments` runs on another thread right now (threaded-commits.ts): a commit then
   * holds nothing up here, and complete documents are committed by size and age only (commit-queue.ts).
   */
  commitsOffThread?: (() => boolean) | undefined;
}

/** Record the model in the index (a reindex with another model starts the index afresh). */
async function prepareIndex(store: Store, info: EmbedderInfo, reindex: boolean): Promise<void> {
  const current = await store.indexInfo();
  const wanted = { embedModel: info.model, dimensions: info.dimensions };
  if (reindex && current && (current.embedModel !== info.model || current.dimensions !== info.dimensions))
    await store.reset(wanted);
  else await store.ensureIndexInfo(wanted);
}

/** Chunks stay well inside the embedding model's context: room is left for the context line and prefix. */
function chunkSizes(config: Config, contextLength: number): PrepareOptions["chunking"] {
  const maxTokens = Math.max(32, Math.min(Math.max(config.chunkTokens, 512), contextLength - 96));
  const targetTokens = Math.min(config.chunkTokens, maxTokens);
  return {
    targetTokens,
    overlapTokens: Math.min(config.chunkOverlapTokens, Math.floor(targetTokens / 2)),
    maxTokens,
  };
}

const reasonOf = (error: unknown) => (error instanceof GroundedError ? error.message : String(error));
const embeddingFailed = (error: unknown) =>
  `embedding failed, the previous version stays in the index: ${reasonOf(error)}`;
/** Errors after which no other file could be embedded either. */
const stopsTheRun = (error: unknown) =>
  error instanceof ModelNotFoundError ||
  error instanceof EmbeddingMismatchError ||
  (error as Error)?.name === "AbortError";

/**
 * Walk the roots and bring the index in line with them: each changed file is loaded and chunked, its chunks
 * embedded in batches that cross file boundaries (batcher.ts), and the whole document swapped in once its
 * last vector arrives (commit-queue.ts). Unchanged files are skipped by content hash; `prune` removes
 * documents whose files are gone. A file that fails is reported and the run goes on; a missing model or a
 * dimension mismatch stops it.
 */
export async function ingest(
  { store, embedder, config, measureShare, commitsOffThread }: IngestDeps,
  options: IngestOptions,
): Promise<IngestSummary> {
  const started = performance.now();
  const report = createIngestReport(store, options.onEvent);
  const info = await embedder.info(options.signal);
  await prepareIndex(store, info, options.reindex ?? false);
  let dimensions = info.dimensions;
  /** Adopting the width the model really returns (once, whichever response comes first). */
  let adopting: Promise<void> | undefined;
  const adoptWidth = async (width: number) => {
    // The vectors themselves, not the model's metadata, decide the index's width: a server may report
    // another embedding_length than it returns. A fresh index adopts the real width; a filled one cannot.
    if ((await store.counts()).chunks > 0)
      throw new EmbeddingMismatchError(info.model, dimensions, info.model, width, config.cli);
    await store.reset({ embedModel: info.model, dimensions: width });
    dimensions = width;
  };
  // Checks GROUNDED_OCR_LANGS now; workers start at the first page that needs them and end with the run.
  const ocr: OcrEngine | undefined =
    config.ocr === "off" ? undefined : createOcrEngine({ langs: config.ocrLangs });
  const parse = (file: string, source: string): ParseOptions => {
    if (!ocr || config.ocr === "off") return {};
    const onPage = (p: { page: number; done: number; total: number }) =>
      report.emit({ type: "ocr", source, path: file, ...p });
    return { ocr: { engine: ocr, mode: config.ocr, signal: options.signal, onPage } };
  };
  const prepare: PrepareOptions = {
    store,
    model: info.model,
    reindex: options.reindex ?? false,
    maxFileBytes: config.maxFileBytes,
    chunking: chunkSizes(config, info.contextLength),
    parse,
  };

  let files = 0;
  let chunksQueued = 0;
  let chunksEmbedded = 0;
  let fatal: unknown = null;
  const progress = () => report.emit({ type: "progress", files, chunksQueued, chunksEmbedded });
  const commits = createCommitQueue({
    store,
    embedModel: info.model,
    onStored: (job) =>
      report.stored({
        source: job.source,
        path: job.path,
        chunks: job.chunks.length,
        existed: job.existed,
        note: job.note,
      }),
    onFailed: (job, error) => report.failed(job.source, job.path, embeddingFailed(error)),
  });

  const checkWidth = async (width: number) => {
    if (width === dimensions) return;
    adopting ??= adoptWidth(width);
    await adopting;
    if (width !== dimensions)
      throw new EmbeddingMismatchError(info.model, dimensions, info.model, width, config.cli);
  };
  const concurrency = config.embedConcurrency * config.ollamaHosts.length;
  const embed = (texts: string[]) => embedder.embed(texts, { role: "document", signal: options.signal });
  let partsRequests = 0;

  const batcher = createBatcher<FileJob>({
    batchSize: config.embedBatchSize,
    // GROUNDED_EMBED_CONCURRENCY is per Ollama host: the host pool gives each request to the least busy one.
    concurrency,
    embed,
    async onVectors(items, vectors) {
      const width = vectors[0]?.length;
      if (width !== undefined) await checkWidth(width);
      const done: FileJob[] = [];
      items.forEach((item, i) => {
        const job = item.owner;
        job.vectors[item.index] = vectors[i];
        job.remaining--;
        chunksEmbedded++;
        if (job.remaining === 0 && !job.failed) done.push(job);
      });
      if (done.length) commits.complete(done);
      progress();
    },
    // Waiting on the model: store what is complete now, while no response can be held up by it. A commit on
    // another thread holds up nothing here, so it waits to be larger (one per embedding batch of a fast
    // model made 311 transactions and FTS5 segments of ~32 chunks for 2,500 notes, 20 when it waited).
    beforeWait: () => {
      if (!commitsOffThread?.()) void commits.flush();
    },
    onError(items, error) {
      if (stopsTheRun(error)) fatal ??= error;
      for (const job of new Set(items.map((i) => i.owner))) {
        if (job.failed) continue;
        job.failed = true;
        report.failed(job.source, job.path, embeddingFailed(error));
      }
    },
  });

  /**
   * A large text, in parts (large-text.ts): everything before it is embedded and committed first, so its
   * transaction holds nothing else and nothing else waits in memory meanwhile.
   */
  const ingestParts = async (job: PartsJob) => {
    await batcher.drain();
    await commits.flush();
    if (fatal) return;
    const before = chunksEmbedded;
    try {
      const stored = await ingestInParts(job, {
        store,
        embedModel: info.model,
        batchSize: config.embedBatchSize,
        concurrency,
        embed,
        checkWidth,
        onPart(chunks) {
          chunksQueued = chunksEmbedded = before + chunks;
          progress();
        },
      });
      partsRequests += stored.requests;
      report.stored({ source: job.source, path: job.path, chunks: stored.chunks, existed: job.existed });
    } catch (e) {
      if (e instanceof EmptyFileError)
        return report.skipped(job.source, job.path, "is empty (it contains no text)");
      if (stopsTheRun(e)) fatal ??= e;
      report.failed(job.source, job.path, embeddingFailed(e));
    }
  };

  /** One walked file: unchanged, failed, skipped, stored at once (no chunks) or queued for embedding. */
  const ingestFile = async (file: string, root: string, bytes: Promise<Buffer | null>) => {
    const source = sourceFor(root, file);
    let job: FileJob | null;
    try {
      // A file read ahead is smaller than any read in parts.
      const parts = (await bytes) ? undefined : await preparePartsJob(file, source, root, prepare);
      if (parts === null) return report.unchanged(source, file);
      if (parts) return await ingestParts(parts);
      job = await prepareFile(file, source, root, bytes, prepare);
    } catch (e) {
      const reason = e instanceof GroundedError ? e.message.replace(`${file}: `, "") : String(e);
      if (e instanceof EmptyFileError) await report.skipped(source, file, reason);
      else report.failed(source, file, reason);
      return;
    }
    if (!job) return report.unchanged(source, file);
    if (job.chunks.length === 0) return commits.commitNow(job);
    await commits.room(); // commits on another thread may fall behind a fast model: wait for them
    chunksQueued += job.chunks.length;
    const chunks = job.chunks.map((c, index) => ({
      text: embeddingText(job.contexts[index] ?? "", c.text),
      owner: job,
      index,
    }));
    await batcher.push(chunks);
    progress();
  };

  try {
    for (const rootArg of options.roots) {
      const root = path.resolve(rootArg);
      const seen = new Set<string>();
      let walkedAll = true;
      try {
        for await (const { file, bytes } of readingAhead(
          walk(root, { onOther: report.other }),
          config.maxFileBytes,
        )) {
          if (fatal) break;
          options.signal?.throwIfAborted();
          seen.add(file);
          files++;
          await ingestFile(file, root, bytes);
        }
      } catch (e) {
        if ((e as Error)?.name === "AbortError") throw e;
        walkedAll = false;
        report.failed(
          rootArg,
          root,
          e instanceof GroundedError ? e.message : `cannot be read: ${(e as Error).message}`,
        );
      }
      // A file named under two roots is then seen as stored by the second.
      await commits.flush();
      if (options.prune && walkedAll && !fatal) {
        for (const doc of await store.documentsUnder(root)) {
          if (seen.has(doc.path)) continue;
          await store.deleteDocument(doc.id);
          report.removed(doc.source, doc.path);
        }
      }
    }
    await batcher.drain();
  } finally {
    // Whatever happens (an abort, a fatal error), documents that are complete get stored.
    await commits.flush();
    await ocr?.close();
  }
  report.summary.embedRequests = batcher.requests + partsRequests;
  if (fatal) throw fatal;
  // The "not covered" decision is calibrated on the index itself; remeasured when it has changed enough.
  if (options.calibrate !== false) await ensureCalibration(store, embedder, options.signal, measureShare);
  report.summary.seconds = (performance.now() - started) / 1000;
  return report.summary;
}
