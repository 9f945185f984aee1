import fs from "node:fs";
import path from "node:path";
import type { IndexWriter } from "./index-writer.js";
import type { IngestSummary } from "./ingest-report.js";
import { supportedExtensions } from "./loaders/index.js";

export interface WatchOptions {
  /** Quiet time after the last change before the index is synced (default 500 ms). */
  debounceMs?: number;
  /** A full rescan this often, for changes the OS did not report (network drives, editors' tricks). */
  rescanMs?: number;
  onSynced?: (root: string, summary: IngestSummary) => void;
  onError?: (root: string, error: unknown) => void;
}

export interface FolderWatch {
  /** Resolves once no sync is running or waiting. */
  idle(): Promise<void>;
  close(): void;
}

const extensions = new Set(supportedExtensions);

/** Changes worth a sync: supported files, and names without an extension (folders). Not the index's own files. */
function relevant(name: string | null): boolean {
  if (name === null) return true;
  const parts = name.split(/[\\/]/);
  if (parts.some((p) => p.startsWith(".") || p === "node_modules")) return false;
  const ext = path.extname(name).toLowerCase();
  return ext === "" || extensions.has(ext);
}

/**
 * Keep the index in line with a folder: a sync right away, then one after each burst of changes, and a full
 * rescan every `rescanMs` in case the OS missed something. Syncs never overlap; changes during a sync queue
 * exactly one more.
 */
export function watchFolder(writer: IndexWriter, rootArg: string, options: WatchOptions = {}): FolderWatch {
  const root = path.resolve(rootArg);
  const debounceMs = options.debounceMs ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let pending = false;
  let closed = false;

  const flush = () => {
    timer = undefined;
    if (closed) return;
    if (running) {
      pending = true;
      return;
    }
    running = writer
      .sync(root)
      .then(
        (summary) => options.onSynced?.(root, summary),
        (error: unknown) => options.onError?.(root, error),
      )
      .finally(() => {
        running = null;
        if (pending) {
          pending = false;
          schedule();
        }
      });
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const watcher = fs.watch(root, { recursive: true }, (_event, name) => {
    if (relevant(name === null ? null : String(name))) schedule();
  });
  // A watcher that fails (folder removed, too many watches) leaves the periodic rescan to do the work.
  watcher.on("error", (error) => options.onError?.(root, error));
  const rescan = setInterval(schedule, options.rescanMs ?? 60_000);
  flush();

  return {
    async idle() {
      while (running || timer || pending) await (running ?? new Promise((r) => setTimeout(r, 20)));
    },
    close() {
      closed = true;
      clearTimeout(timer);
      timer = undefined;
      clearInterval(rescan);
      watcher.close();
    },
  };
}
