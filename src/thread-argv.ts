import type { ResourceLimits } from "node:worker_threads";

/**
 * Node's flags for a worker thread: the process's own (a worker inherits `process.execArgv`) without those
 * that load tsx. Started as `npm start` or `npx tsx`, the process runs with `--import tsx` (or tsx's
 * `--require …/preflight.cjs --import …/loader.mjs`), and every worker inheriting it loads tsx again, with
 * module hooks of its own: ~100 MB more per thread (measured on the PDF reader: 236 → 124 MB after one
 * PDF). Workers that run TypeScript register tsx themselves in their .mjs entry; the PDF reader runs
 * plain JavaScript.
 */
export function threadExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i] as string;
    if (PRELOAD.test(flag) && loadsTsx(execArgv[i + 1])) {
      i++;
      continue;
    }
    const joined = /^(--[a-z-]+)=(.*)$/.exec(flag);
    if (joined && PRELOAD.test(joined[1] as string) && loadsTsx(joined[2])) continue;
    kept.push(flag);
  }
  return kept;
}

const PRELOAD = /^(?:--import|--require|-r|--loader|--experimental-loader)$/;
const loadsTsx = (module: string | undefined) =>
  module !== undefined &&
  (module === "tsx" || /(?:^|[\\/])tsx[\\/]/.test(module) || module.startsWith("tsx/"));

/**
 * The young generation (the heap space where new objects are made) of every worker thread, in MB. V8 lets
 * a busy isolate's grow to 48 MB (three 16 MB semi-spaces), and a server has up to five busy isolates (the
 * main thread, two search workers, the index writer, the PDF reader); 8 MB each took ~50 MB off the peak
 * of uploading a 50 MB text and 20 PDFs while searching (median of three runs each, docs/performance.md).
 */
export const THREAD_YOUNG_GENERATION_MB = 8;

/** What every worker thread is started with: Node's flags without tsx (above) and its heap limits. */
export function threadOptions(): { execArgv: string[]; resourceLimits: ResourceLimits } {
  return {
    execArgv: threadExecArgv(),
    resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
  };
}
