import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { BACKGROUND_NICE_STEPS } from "../src/thread-priority.js";

/** A thread's nice value as the kernel has it (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceOf(tid: number): number {
  const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

describe.runIf(process.platform === "linux")(
  "the index writer's thread priority (src/thread-priority.ts)",
  () => {
    it("lowers the calling thread only: the process and its other threads keep theirs", async () => {
      const before = os.getPriority();
      const worker = new Worker(new URL("./helpers/background-worker.mjs", import.meta.url));
      const [{ tid, nice }] = (await once(worker, "message")) as [{ tid: number; nice: number }];
      try {
        expect(nice).toBe(Math.min(19, before + BACKGROUND_NICE_STEPS));
        expect(niceOf(tid)).toBe(nice);
        expect(tid).not.toBe(process.pid);
        expect(niceOf(process.pid)).toBe(before);
        expect(os.getPriority()).toBe(before);
      } finally {
        await worker.terminate();
      }
    });
  },
);
