import { BusyError } from "./errors.js";

/**
 * Bounds the work sent to the chat model: `concurrency` run at once, up to `queue` wait, the rest are
 * refused with BusyError (429 + Retry-After) instead of piling up in memory.
 */
export interface Limiter {
  /** Wait for a slot; returns the function that gives it back. Throws BusyError when the queue is full. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** A slot if one is free right now (the function that gives it back), else null; never queues. */
  tryAcquire(): (() => void) | null;
  readonly active: number;
  readonly waiting: number;
}

export function createLimiter(concurrency: number, queue: number, retryAfterSeconds = 5): Limiter {
  let active = 0;
  const waiters: Array<() => void> = [];
  // A finishing task hands its slot straight to the next waiter, so a newcomer cannot slip in between.
  const release = () => {
    const next = waiters.shift();
    if (next) next();
    else active--;
  };
  const once = () => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        release();
      }
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
    tryAcquire() {
      if (active >= concurrency) return null;
      active++;
      return once();
    },
    async acquire(signal) {
      signal?.throwIfAborted();
      if (active < concurrency) {
        active++;
        return once();
      }
      if (waiters.length >= queue) throw new BusyError(retryAfterSeconds);
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        };
        const abort = () => {
          const i = waiters.indexOf(go);
          if (i !== -1) waiters.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", abort, { once: true });
        waiters.push(go);
      });
      return once();
    },
  };
}
