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
