import { readlinkSync } from "node:fs";
import os from "node:os";

/** How much lower than the process the background thread runs (nice steps; 19 is the lowest priority). */
export const BACKGROUND_NICE_STEPS = 10;

/**
 * Lowers the calling thread's CPU priority, for work that nobody is waiting on right now (the server's
 * index writer: parsing, chunking, committing uploads and watched files), so that searches and answers
 * get the cores first when both want them. Threads this one starts later (the PDF reader, OCR) inherit it.
 *
 * Linux only: there each thread has its own nice value, set through its thread id (/proc/thread-self).
 * Elsewhere a priority applies to the whole process, which would slow the searches too, so nothing is
 * changed. Returns the thread's new nice value, or undefined when it was left as it was.
 */
export function lowerThreadPriority(steps = BACKGROUND_NICE_STEPS): number | undefined {
  if (process.platform !== "linux") return undefined;
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    // Only ever lower: a process already started with `nice` keeps its own setting as the floor.
    const nice = Math.min(19, os.getPriority(tid) + steps);
    os.setPriority(tid, nice);
    return nice;
  } catch {
    return undefined;
  }
}
