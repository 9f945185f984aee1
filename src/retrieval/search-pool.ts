import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import * as errors from "../errors.js";
import { GroundedError, SearchUnavailableError } from "../errors.js";
import { threadEntry } from "../package-root.js";
import { threadOptions } from "../thread-argv.js";
import type { Scored } from "./fusion.js";
import type { IndexSearch, IndexSearchResult, LexicalSide, SearchStep, SearchSteps } from "./search-index.js";

/**
 * A few worker threads that run `searchIndex` (every SQLite read of a search) off the main thread, so the
 * event loop keeps serving requests while searches run, and searches overlap on several cores. Each worker
 * opens its own read-only connection to the index file with sqlite-vec loaded; WAL lets them read beside
 * the service's own writer (uploads, watch) and beside an ingest in another process.
 *
 * Searches wait in one queue and go to the first idle worker. An error thrown in a worker comes back as the
 * same error class (GroundedError subclasses keep code, status and message). A worker that dies fails the
 * search it was running with a 503 and is replaced.
 */
export interface SearchPool {
  readonly size: number;
  /** A whole search in one worker. */
  search(request: IndexSearch, signal?: AbortSignal): Promise<IndexSearchResult>;
  /**
   * The steps of a search as separate jobs, so the lexical and vector sides of one search run on two
   * workers at once; a `finish` step goes ahead of waiting jobs, so searches under way complete first.
   */
  steps: SearchSteps;
  /** Thread ids of the current workers (a replaced worker gets a new one). */
  threadIds(): number[];
  /** How many workers are running a search right now. */
  running(): number;
  /** Test hook: the next idle worker dies mid-request, as a native crash would; resolves never, rejects 503. */
  simulateCrash(): Promise<IndexSearchResult>;
  close(): Promise<void>;
}

export interface SearchPoolOptions {
  /** The index file; it must exist (the workers open it read-only). */
  file: string;
  size: number;
  exactSearch?: boolean;
}

export interface SearchWorkerData {
  file: string;
  exactSearch: boolean;
}

export type ToWorker =
  | { id: number; kind: "search"; request: IndexSearch }
  | { id: number; kind: "step"; step: SearchStep }
  | { id: number; kind: "crash" };

type FromWorker =
  | { ready: true }
  | { id: number; ok: true; result: IndexSearchResult | LexicalSide | Scored[] }
  | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  stack?: string | undefined;
  /** Own properties with plain values or lists of them: code, status, exitCode, host, model, allow, ... */
  fields: Record<string, unknown>;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  const plain = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
  for (const [key, value] of Object.entries(e)) {
    // Lists of plain values too: MethodNotAllowedError's `allow` becomes the Allow header.
    if (plain(value) || (Array.isArray(value) && value.every(plain))) fields[key] = value;
  }
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

const ERROR_CLASSES = new Map<string, { prototype: Error }>([
  ...Object.values(errors)
    .filter((v): v is typeof GroundedError => typeof v === "function" && v.prototype instanceof Error)
    .map((c) => [c.name, c] as const),
  ["GroundedError", GroundedError],
  ["SqliteError", Database.SqliteError],
  ["TypeError", TypeError],
  ["RangeError", RangeError],
]);

/** The error a worker threw, rebuilt on this thread with its class, so `instanceof` and the HTTP mapping hold. */
export function rebuildError(s: SerializedError): Error {
  const cls = ERROR_CLASSES.get(s.name) ?? Error;
  const e = Object.create(cls.prototype) as Error;
  Object.defineProperty(e, "message", { value: s.message, writable: true, configurable: true });
  Object.defineProperty(e, "stack", { value: s.stack, writable: true, configurable: true });
  Object.assign(e, s.fields);
  if (e.name !== s.name)
    Object.defineProperty(e, "name", { value: s.name, writable: true, configurable: true });
  return e;
}

const WORKER_URL = threadEntry(import.meta.url, "search");
/** Wait before replacing a worker that died before it could answer anything (a broken install, say). */
const RESPAWN_DELAY_MS = 1000;

function unavailable(reason: string): SearchUnavailableError {
  return new SearchUnavailableError(reason);
}

interface Job {
  message: ToWorker;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  dead: boolean;
  /** Whether its code loaded (it said ready): one that dies before is not replaced at once. */
  proven: boolean;
}

export function createSearchPool({ file, size, exactSearch = false }: SearchPoolOptions): SearchPool {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`A search pool needs at least one worker, not ${size}`);
  const queue: Job[] = [];
  const slots: Array<Slot | null> = [];
  let nextId = 1;
  let closed = false;

  const pump = () => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot || slot.dead || slot.job) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.ref(); // keep the process alive while a search is running, not while idle
      slot.worker.postMessage(job.message);
    }
  };

  const spawn = (index: number): Slot => {
    const data: SearchWorkerData = { file, exactSearch };
    const worker = new Worker(WORKER_URL, { workerData: data, ...threadOptions() });
    const slot: Slot = { worker, job: null, dead: false, proven: false };
    const finish = (message: FromWorker) => {
      if ("ready" in message) {
        slot.proven = true;
        return;
      }
      const job = slot.job;
      if (!job || job.message.id !== message.id) return;
      slot.job = null;
      worker.unref();
      if (message.ok) job.resolve(message.result);
      else job.reject(rebuildError(message.error));
      pump();
    };
    const died = (reason: string) => {
      if (slot.dead) return;
      slot.dead = true;
      slots[index] = null;
      const job = slot.job;
      slot.job = null;
      job?.reject(unavailable(reason));
      if (closed) return;
      if (slot.proven) {
        slots[index] = spawn(index);
        pump();
        return;
      }
      // It never loaded: fail what waits rather than let it wait for a worker that may never start.
      for (const waiting of queue.splice(0)) waiting.reject(unavailable(reason));
      setTimeout(() => {
        if (closed) return;
        slots[index] = spawn(index);
        pump();
      }, RESPAWN_DELAY_MS).unref();
    };
    worker.on("message", finish);
    worker.on("messageerror", (e) => {
      const job = slot.job;
      slot.job = null;
      job?.reject(e);
      pump();
    });
    worker.on("error", (e) => died(e.message));
    worker.on("exit", (code) => died(`exit code ${code}`));
    // After the listeners: adding the first "message" listener refs the worker's port again, and an idle
    // worker must not keep the process alive (a server that failed to start would never exit).
    worker.unref();
    return slot;
  };

  for (let i = 0; i < size; i++) slots.push(spawn(i));

  const enqueue = <T>(message: ToWorker, signal?: AbortSignal, urgent = false) =>
    new Promise<T>((resolve, reject) => {
      if (closed) return reject(unavailable("the service is shutting down"));
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        const at = queue.indexOf(job);
        if (at >= 0) {
          queue.splice(at, 1);
          reject(signal?.reason);
        }
      };
      const done = () => signal?.removeEventListener("abort", onAbort);
      const job: Job = {
        message,
        resolve: (result) => {
          done();
          resolve(result as T);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (urgent) queue.unshift(job);
      else queue.push(job);
      pump();
    });

  return {
    size,
    search: (request, signal) =>
      enqueue<IndexSearchResult>({ id: nextId++, kind: "search", request }, signal),
    steps: {
      lexical: (request, signal) =>
        enqueue<LexicalSide>({ id: nextId++, kind: "step", step: { step: "lexical", request } }, signal),
      vector: (request, signal) =>
        enqueue<Scored[]>({ id: nextId++, kind: "step", step: { step: "vector", request } }, signal),
      vectorAndFinish: (request, lexical, signal) =>
        enqueue<IndexSearchResult>(
          { id: nextId++, kind: "step", step: { step: "vector+finish", request, lexical } },
          signal,
          true,
        ),
      finish: (request, lexical, vector, signal) =>
        enqueue<IndexSearchResult>(
          { id: nextId++, kind: "step", step: { step: "finish", request, lexical, vector } },
          signal,
          true,
        ),
    },
    threadIds: () => slots.flatMap((s) => (s && !s.dead ? [s.worker.threadId] : [])),
    running: () => slots.filter((s) => s?.job).length,
    simulateCrash: () => enqueue<IndexSearchResult>({ id: nextId++, kind: "crash" }),
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(unavailable("the service is shutting down"));
      await Promise.all(slots.map((s) => s?.worker.terminate()));
    },
  };
}
