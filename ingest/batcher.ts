/**
 * Packs texts from many files into embedding requests of `batchSize` inputs and keeps up to `concurrency`
 * requests in flight, so loading and chunking the next files overlaps with waiting on the model. `push`
 * waits only when enough work is queued to keep the model busy (backpressure bounds memory).
 */
export interface BatchItem<T> {
  text: string;
  owner: T;
  index: number;
}

export interface BatcherOptions<T> {
  batchSize: number;
  concurrency: number;
  embed: (texts: string[]) => Promise<Float32Array[]>;
  /** Handles a response; a returned promise is waited for by `drain` (a rejection goes to `onError`). */
  onVectors: (items: BatchItem<T>[], vectors: Float32Array[]) => void | Promise<void>;
  onError: (items: BatchItem<T>[], error: unknown) => void;
  /**
   * Called when `push` or `drain` is about to wait for the model: idle time, in which the caller can do
   * work that would otherwise hold up the next response (storing finished documents).
   */
  beforeWait?: () => void;
}

export interface Batcher<T> {
  push(items: BatchItem<T>[]): Promise<void>;
  /** Send what is left and wait for every request. */
  drain(): Promise<void>;
  readonly requests: number;
}

export function createBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const { batchSize, concurrency } = options;
  const queue: BatchItem<T>[] = [];
  const inflight = new Set<Promise<void>>();
  /** Requests sent whose response is not yet handled (a slot is freed before its vectors are handled). */
  const unhandled = new Set<Promise<void>>();
  let requests = 0;
  let wake: (() => void) | null = null;

  const send = (items: BatchItem<T>[]) => {
    requests++;
    // The slot is handed to the next batch the moment a response arrives, before the vectors are stored,
    // so the model never waits on grounded's own work.
    const settle = () => {
      inflight.delete(p);
      dispatch(false);
    };
    const p: Promise<void> = options
      .embed(items.map((i) => i.text))
      .then(
        async (vectors) => {
          settle();
          try {
            await options.onVectors(items, vectors);
          } catch (error) {
            // Storing failed (e.g. disk full): those files failed, the run goes on and says so.
            options.onError(items, error);
          }
        },
        (error) => {
          settle();
          options.onError(items, error);
        },
      )
      .finally(() => {
        unhandled.delete(p);
        wake?.();
      });
    inflight.add(p);
    unhandled.add(p);
  };

  const dispatch = (force: boolean) => {
    while (inflight.size < concurrency && (queue.length >= batchSize || (force && queue.length > 0))) {
      send(queue.splice(0, batchSize));
    }
  };

  const waitForProgress = () => {
    options.beforeWait?.();
    return new Promise<void>((resolve) => {
      wake = () => {
        wake = null;
        resolve();
      };
    });
  };

  return {
    get requests() {
      return requests;
    },
    async push(items) {
      queue.push(...items);
      dispatch(false);
      while (queue.length >= batchSize * 2 && inflight.size > 0) await waitForProgress();
    },
    async drain() {
      dispatch(true);
      while (unhandled.size > 0 || queue.length > 0) {
        await waitForProgress();
        dispatch(true);
      }
    },
  };
}
