import { monitorEventLoopDelay } from "node:perf_hooks";

/** Small measuring helpers for the benchmark: percentiles, a peak-RSS sampler, event-loop lag. */
export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

export const median = (samples: number[]): number => percentiles(samples).p50;

const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

/** Peak resident memory of this process since it started (monotonic), in MB. */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Samples the current RSS every `everyMs` until stopped; returns the largest seen, in MB. */
export function sampleRss(everyMs = 50): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return mb(Math.max(peak, process.memoryUsage.rss()));
    },
  };
}

/** How long timers were late while `run` ran: max and p99 of the event loop's delay, in ms. */
export async function withLoopLag<T>(
  run: () => Promise<T>,
): Promise<{ result: T; lagMaxMs: number; lagP99Ms: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  try {
    const result = await run();
    return { result, lagMaxMs: h.max / 1e6, lagP99Ms: h.percentile(99) / 1e6 };
  } finally {
    h.disable();
  }
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * p50 / p95 of `run` over `queries`, after five of them have warmed caches and connections (the PostgreSQL
 * benches' latency rows).
 */
export async function timeQueries(
  queries: string[],
  run: (q: string) => Promise<unknown>,
): Promise<Percentiles> {
  for (const q of queries.slice(0, 5)) await run(q);
  const ms: number[] = [];
  for (const q of queries) {
    const t = performance.now();
    await run(q);
    ms.push(performance.now() - t);
  }
  return percentiles(ms);
}
