import { Worker } from "node:worker_threads";
import { IndexWriterStoppedError, IngestBusyError } from "../src/errors.js";
import { threadEntry } from "../src/package-root.js";
import { rebuildError, type SerializedError } from "../src/retrieval/search-pool.js";
import type { DocumentRecord } from "../src/store/store.js";
import { threadOptions } from "../src/thread-argv.js";
import { createIndexWriter, type IndexWriter, type IndexWriterOptions } from "./index-writer.js";
import type { IngestEvent, IngestSummary } from "./ingest-report.js";

export type ToWriter =
  | { type: "ingestFile"; id: number; path: string }
  | { type: "sync"; id: number; path: string }
  | { type: "close" };

export type FromWriter =
  | { type: "event"; event: IngestEvent }
  | { type: "move"; from: string; to: string }
  | { type: "warn"; message: string }
  | { type: "done"; id: number; result: DocumentRecord | IngestSummary }
  | { type: "failed"; id: number; error: SerializedError };

export interface ThreadedWriter extends IndexWriter {
  /** Files waiting for the writer (the one being written included). */
  pending(): number;
  /** Stops the thread once the work it has is done. */
  close(): Promise<void>;
  /** Test hook: the thread dies at once, as a native crash would (what it was doing fails with a 503). */
  simulateCrash(): Promise<void>;
}

export interface ThreadedWriterOptions extends IndexWriterOptions {
  /** Uploads that may wait for the writer; one more is refused with 429 (GROUNDED_INGEST_QUEUE). */
  maxQueue: number;
}

const WORKER_URL = threadEntry(import.meta.url, "writer");
/** How long a refused upload is told to wait, per upload ahead of it. */
const SECONDS_PER_WAITING_FILE = 5;

/**
 * The server's index writer on a worker thread (writer-thread.ts), so that a large upload or a busy watched
 * folder does not hold up searches. Work runs one item at a time in the order it came (the thread's writer
 * is serial); uploads beyond `maxQueue` waiting are refused at once with IngestBusyError (429 and
 * Retry-After), so memory and waiting stay bounded. Folder syncs (`--watch`) are never refused. An index in
 * memory (":memory:", some tests) cannot be shared with a thread: the writer then runs in-process.
 */
export function createThreadedWriter(options: ThreadedWriterOptions): ThreadedWriter {
  const { config } = options;
  if (config.db === ":memory:") {
    const inline = createIndexWriter(options);
    return { ...inline, pending: () => 0, close: async () => {}, simulateCrash: async () => {} };
  }
  const jobs = new Map<number, { resolve(result: unknown): void; reject(error: unknown): void }>();
  let nextId = 0;
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = (): Worker => {
    if (worker) return worker;
    const w = new Worker(WORKER_URL, { workerData: { config }, ...threadOptions() });
    w.on("message", (message: FromWriter) => {
      if (message.type === "event") options.onEvent?.(message.event);
      else if (message.type === "move") options.onMove?.(message.from, message.to);
      else if (message.type === "warn") options.warn?.(message.message);
      else {
        const job = jobs.get(message.id);
        jobs.delete(message.id);
        if (message.type === "done") job?.resolve(message.result);
        else job?.reject(rebuildError(message.error));
        // An idle writer does not keep the process alive; one with work does.
        if (jobs.size === 0) w.unref();
      }
    });
    exited = new Promise((resolve) =>
      w.once("exit", (code) => {
        worker = null;
        // A thread that died takes its work with it: say so instead of leaving callers waiting.
        const error = new IndexWriterStoppedError(code);
        for (const job of jobs.values()) job.reject(error);
        jobs.clear();
        resolve();
      }),
    );
    w.on("error", (e) => options.warn?.(`the index writer thread failed: ${e.message}`));
    worker = w;
    return w;
  };

  /** Work sent and not yet settled, which `close` lets finish. */
  const inFlight = new Set<Promise<unknown>>();
  const send = <T>(type: "ingestFile" | "sync", path: string): Promise<T> => {
    const sent = new Promise<T>((resolve, reject) => {
      const id = nextId++;
      jobs.set(id, { resolve: resolve as (result: unknown) => void, reject });
      const w = start();
      w.ref();
      w.postMessage({ type, id, path } satisfies ToWriter);
    });
    const tracked = sent.finally(() => inFlight.delete(tracked)).catch(() => {});
    inFlight.add(tracked);
    return sent;
  };

  return {
    pending: () => jobs.size,
    ingestFile(path) {
      const waiting = jobs.size;
      if (waiting > options.maxQueue)
        return Promise.reject(new IngestBusyError(waiting * SECONDS_PER_WAITING_FILE));
      return send<DocumentRecord>("ingestFile", path);
    },
    sync: (path) => send<IngestSummary>("sync", path),
    async simulateCrash() {
      await worker?.terminate();
      await exited;
    },
    async close() {
      const w = worker;
      if (!w) return;
      // Work already sent finishes first; the thread closes its store and exits.
      await Promise.all(inFlight);
      w.postMessage({ type: "close" } satisfies ToWriter);
      await exited;
    },
  };
}
