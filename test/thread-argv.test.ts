import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { THREAD_YOUNG_GENERATION_MB, threadExecArgv, threadOptions } from "../src/thread-argv.js";

describe("worker threads' Node flags (src/thread-argv.ts)", () => {
  it("drops what loads tsx, however it was written, and keeps every other flag", () => {
    // `npx tsx` / `npm start`
    expect(
      threadExecArgv([
        "--require",
        "/app/node_modules/tsx/dist/preflight.cjs",
        "--import",
        "file:///app/node_modules/tsx/dist/loader.mjs",
      ]),
    ).toEqual([]);
    // `node --import tsx`, with flags that must reach the threads too
    expect(threadExecArgv(["--max-old-space-size=4096", "--import", "tsx", "--enable-source-maps"])).toEqual([
      "--max-old-space-size=4096",
      "--enable-source-maps",
    ]);
    expect(
      threadExecArgv([
        "--import=tsx",
        "--loader=tsx/esm",
        "-r",
        "C:\\app\\node_modules\\tsx\\dist\\preflight.cjs",
      ]),
    ).toEqual([]);
    // Other preloads stay: only tsx registers itself in the workers' entries.
    expect(threadExecArgv(["--import", "./telemetry.mjs", "--require", "/opt/tsxtools/hook.cjs"])).toEqual([
      "--import",
      "./telemetry.mjs",
      "--require",
      "/opt/tsxtools/hook.cjs",
    ]);
  });

  it("keeps a busy thread's young generation within its limit (left alone, V8 lets it grow to 32 MB)", async () => {
    // Short-lived objects, as a search or an ingest makes them, until the young generation is as large as
    // V8 will let it be; then the space it holds.
    const code = `const v8 = require("node:v8");
      let kept = [];
      for (let i = 0; i < 2e6; i++) { kept.push({ i, s: "x" + i }); if (kept.length > 2e5) kept = []; }
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      require("node:worker_threads").parentPort.postMessage(space.space_size);`;
    const { resourceLimits } = threadOptions();
    const worker = new Worker(code, { eval: true, resourceLimits });
    try {
      const bytes = await new Promise<number>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      expect(bytes).toBeGreaterThan(0);
      expect(bytes).toBeLessThanOrEqual(THREAD_YOUNG_GENERATION_MB * 1024 * 1024);
    } finally {
      await worker.terminate();
    }
  });
});
