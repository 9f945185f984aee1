import { OllamaError, OllamaTimeoutError, OllamaUnavailableError } from "../errors.js";

/**
 * Faults worth another try: Ollama not (yet) reachable, too slow, busy (503) or a crashed runner (500).
 * A missing model (ModelNotFoundError) or a bad request (4xx) will fail the same way again.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof OllamaUnavailableError || e instanceof OllamaTimeoutError) return true;
  return e instanceof OllamaError && e.upstreamStatus >= 500;
}

export interface RetryOptions {
  retries: number;
  baseMs: number;
  signal?: AbortSignal;
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a fault is not transient, or `retries` extra tries are spent.
 * Waits use exponential backoff with full jitter (random in [0, base * 2^n)) so that several callers
 * hitting a busy Ollama do not all come back at the same moment. A caller's abort ends it at once.
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const random = options.random ?? Math.random;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (options.signal?.aborted || n >= options.retries || !isTransient(e)) throw e;
      await sleep(random() * options.baseMs * 2 ** n, options.signal);
    }
  }
}
