// A worker thread that lowers its own priority as the server's index writer does (src/thread-priority.ts)
// and reports its thread id and the nice value it set, then waits to be terminated.
import { readlinkSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { lowerThreadPriority } = await import("../../src/thread-priority.ts");
const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
parentPort.postMessage({ tid, nice: lowerThreadPriority() });
// Stay alive until the test terminates this thread: it reads the thread's entry under /proc after the
// message, which a thread that had finished would no longer have.
parentPort.on("message", () => {});
