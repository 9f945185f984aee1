import type { Store } from "../src/store/store.js";
import { type FileJob, toStoredDocument } from "./file-job.js";

/** Chunks stored per transaction while ingesting. */
const COMMIT_CHUNKS = 512;
/** Longest a complete document waits to be committed, while more work arrives. */
const COMMIT_MS = 1000;
/**
 * Chunks handed to commits that are not stored yet, beyond which `room()` holds the ingest back: commits on
 * another thread run beside the ingest, and a model faster than the disk would otherwise pile complete
 * documents up in memory (an ingest of 85k chunks with an instant embedder peaked at 501–562 MB).
 */
const MAX_UNSTORED_CHUNKS = 4 * COMMIT_CHUNKS;

export interface CommitQueue {
  /** Documents whose vectors are all in: committed now or with the next ones (see below). */
  complete(jobs: FileJob[]): void;
  /** Commit what is waiting; resolves when it and every commit before it are done (never rejects). */
  flush(): Promise<void>;
  /** Commit one document at once (one without chunks, which waits on nothing); rejects if storing fails. */
  commitNow(job: FileJob): Promise<void>;
  /** Resolves once the commits under way hold at most MAX_UNSTORED_CHUNKS chunks (at once when they do). */
  room(): Promise<void>;
}

/**
 * Documents whose vectors are all in, waiting to be committed together. They are committed when the
 * batcher is about to wait on the model (idle time: a commit then cannot hold up a response and the next
 * request; not when commits run on a thread of their own, where they hold up nothing: pipeline.ts), or once
 * COMMIT_CHUNKS chunks or COMMIT_MS have gathered when the model keeps up (one
 * transaction, one WAL commit and one FTS5 segment, per COMMIT_CHUNKS chunks instead of one per embedding
 * batch). Each document is still whole or absent after a crash; at most the last second of work is redone.
 * A document is reported (`onStored`) only once it is safely stored; when storing fails (a full disk, say)
 * its documents fail (`onFailed`) and the run goes on. Commits run one after another, in order.
 */
export function createCommitQueue(options: {
  store: Store;
  embedModel: string;
  onStored(job: FileJob): void;
  onFailed(job: FileJob, error: unknown): void;
}): CommitQueue {
  const { store, embedModel } = options;
  let pending: FileJob[] = [];
  let pendingChunks = 0;
  let pendingSince = 0;
  let tail: Promise<void> = Promise.resolve();
  /** Chunks in commits sent and not finished, and who waits for that to shrink. */
  let unstored = 0;
  let waiting: Array<() => void> = [];
  const commit = (jobs: FileJob[]) => {
    const chunks = jobs.reduce((n, job) => n + job.chunks.length, 0);
    unstored += chunks;
    const run = tail.then(async () => {
      await store.replaceDocuments(jobs.map((job) => toStoredDocument(job, embedModel)));
      jobs.forEach(options.onStored);
    });
    tail = run
      .catch(() => {})
      .finally(() => {
        unstored -= chunks;
        const wake = waiting;
        waiting = [];
        for (const resume of wake) resume();
      });
    return run;
  };
  const flush = async () => {
    if (pending.length === 0) return tail;
    const jobs = pending;
    pending = [];
    pendingChunks = 0;
    try {
      await commit(jobs);
    } catch (error) {
      for (const job of jobs) {
        job.failed = true;
        options.onFailed(job, error);
      }
    }
  };
  return {
    flush,
    commitNow: (job) => commit([job]),
    async room() {
      while (unstored > MAX_UNSTORED_CHUNKS) await new Promise<void>((resume) => waiting.push(resume));
    },
    complete(jobs) {
      if (pending.length === 0) pendingSince = performance.now();
      for (const job of jobs) {
        pending.push(job);
        pendingChunks += job.chunks.length;
      }
      if (pendingChunks >= COMMIT_CHUNKS || performance.now() - pendingSince >= COMMIT_MS) void flush();
    },
  };
}
