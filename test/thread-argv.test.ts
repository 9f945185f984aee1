import { describe, expect, it } from "vitest";
import { threadExecArgv } from "../src/thread-argv.js";

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
});
