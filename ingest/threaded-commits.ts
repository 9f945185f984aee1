import { Worker } from "node:worker_threads";
import { threadEntry } from "../src/package-root.js";
import type { MeasuredShare, MeasureShare, PseudoQuestion } from "../src/retrieval/calibration.js";
import { rebuildError, type SerializedError } from "../src/retrieval/search-pool.js";
import type { SqliteStore, Store } from "../src/store/store.js";
import { threadOptions } from "../src/thread-argv.js";

type Documents = Parameters<Store["replaceDocuments"]>[0];

export type ToCommitThread =
  | { type: "commit"; id: number; docs: Documents }
  | { type: "calibrate"; id: number; questions: PseudoQuestion[] }
  | { type: "vectors"; id: number; vectors: Float32Array[] | null };
export type FromCommitThread =
  | { type: "ready" }
  | { type: "done"; id: number; ids: number[] }
  | { type: "calibrated"; id: number; share: MeasuredShare }
  | { type: "failed"; id: number; error: SerializedError };

const isSqliteFile = (store: Store): store is SqliteStore =>
  "file" in store && "db" in store && store.file !== ":memory:";

const WORKER_URL = threadEntry(import.meta.url, "commit");

/** `store` whose `replaceDocuments` runs on a thread of its own; `close` ends the thread (not the store). */
export interface ThreadedCommits {
  store: Store;
  /** Resolves true once commits go to the thread, false if they never will (no thread, or it failed). */
  ready: Promise<boolean>;
  /**
   * Half of the "not covered" calibration's searches on the thread (src/retrieval/calibration.ts), once
   * the commits are done; undefined when there is no thread.
   */
  measureShare: MeasureShare | undefined;
  /** Whether a commit made now runs on the thread (not before it has loaded, nor after it died). */
  offThread(): boolean;
  close(): Promise<void>;
}

/**
 * The SQLite side of committing documents (the chunk rows, the full-text terms, FTS5's segments, the
 * vectors and their binary codes, the WAL commit) on a second thread, with a connection of its own, while
 * the ingest's thread reads, chunks and parses the model's responses for the next files: an ingest of
 * many small notes spent a third of its thread there. Everything else goes to `store` as before.
 *
 * Commits keep their order and their all-or-nothing transactions (the ingest's commit queue sends one at a
 * time, and each is one `replaceDocuments` in the thread). Until the thread has loaded (a few hundred
 * milliseconds) commits run on `store` itself, so a small ingest never waits for it. A thread that dies
 * fails the commit it was running, and later ones run on `store`.
 */
export function commitOnThread(store: Store): ThreadedCommits {
  // A database in memory cannot be shared with a thread; PostgreSQL commits in its own server.
  if (!isSqliteFile(store))
    return {
      store,
      ready: Promise.resolve(false),
      measureShare: undefined,
      offThread: () => false,
      close: async () => {},
    };
  const worker = new Worker(WORKER_URL, { workerData: { file: store.file }, ...threadOptions() });
  // Each job resolves with what its own message type carries (document ids, a calibration share).
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  let ready = false;
  let alive = true;
  let nextId = 0;
  let settleReady: (ready: boolean) => void = () => {};
  const whenReady = new Promise<boolean>((resolve) => {
    settleReady = resolve;
  });
  worker.on("message", (message: FromCommitThread) => {
    if (message.type === "ready") {
      ready = true;
      settleReady(true);
      return;
    }
    const job = waiting.get(message.id);
    waiting.delete(message.id);
    if (waiting.size === 0) worker.unref();
    if (message.type === "done") job?.resolve(message.ids);
    else if (message.type === "calibrated") job?.resolve(message.share);
    else job?.reject(rebuildError(message.error));
  });
  worker.on("error", () => {});
  worker.on("exit", (code) => {
    alive = false;
    settleReady(false);
    for (const job of waiting.values())
      job.reject(new Error(`the commit thread stopped (exit code ${code})`));
    waiting.clear();
  });
  worker.unref();

  const send = <T>(message: (id: number) => ToCommitThread): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(message(id));
    });
  const replaceDocuments: Store["replaceDocuments"] = (docs) => {
    if (!ready || !alive || docs.length === 0) return store.replaceDocuments(docs);
    return send((id) => ({ type: "commit", id, docs }));
  };
  // The thread searches its share's lexical side at once, and the vector side when the vectors arrive.
  const measureShare: MeasureShare = async (questions, vectors) => {
    if (!(await whenReady) || !alive) throw new Error("the commit thread is not running");
    let shareId = -1;
    const measured = send<MeasuredShare>((id) => {
      shareId = id;
      return { type: "calibrate", id, questions };
    });
    const sent = vectors.then(
      (v) => worker.postMessage({ type: "vectors", id: shareId, vectors: v } satisfies ToCommitThread),
      () => worker.postMessage({ type: "vectors", id: shareId, vectors: null } satisfies ToCommitThread),
    );
    const [share] = await Promise.all([measured, sent]);
    return share;
  };
  return {
    store: { ...store, replaceDocuments },
    ready: whenReady,
    measureShare,
    offThread: () => ready && alive,
    async close() {
      if (alive) await worker.terminate();
    },
  };
}
