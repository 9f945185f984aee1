import fs from "node:fs";
import path from "node:path";
import { createIndexWriter, type IndexWriter } from "../ingest/index-writer.js";
import type { IngestEvent } from "../ingest/ingest-report.js";
import { type FolderWatch, watchFolder } from "../ingest/watch.js";
import type { Config } from "../src/config.js";
import { GroundedError, ValidationError } from "../src/errors.js";
import { createHostPool } from "../src/ollama/host-pool.js";
import { openIndex } from "../src/store/open-index.js";
import { createProgress, type Output } from "./progress.js";

/** A folder to watch must exist before anything is opened: fs.watch would fail only after the server is up. */
export function checkWatchRoots(roots: readonly string[]): void {
  for (const root of roots) {
    const full = path.resolve(root);
    let isDir = false;
    try {
      isDir = fs.statSync(full).isDirectory();
    } catch {
      throw new ValidationError(
        `Cannot watch ${full}: it does not exist. Check the path, or create the folder first.`,
      );
    }
    if (!isDir)
      throw new ValidationError(
        `Cannot watch ${full}: it is a file, not a folder. Watch the folder that holds it.`,
      );
  }
}

/** Watch folders with a writer, printing each change (not the quiet syncs where nothing changed). */
export function startWatches(
  writer: IndexWriter,
  roots: readonly string[],
  err: Output,
  options: { debounceMs?: number; rescanMs?: number } = {},
): FolderWatch[] {
  return roots.map((root) =>
    watchFolder(writer, root, {
      ...options,
      onError: (r, e) =>
        err.write(`watch ${r}: ${e instanceof GroundedError ? e.message : ((e as Error)?.message ?? e)}\n`),
    }),
  );
}

/**
 * Each sync of a watched folder tries a broken (or empty) file again; say why it fails or is skipped once,
 * not at every sync, and again only when the reason changes or the file has come right in between.
 */
export function onceEachFailure(onEvent: (e: IngestEvent) => void): (e: IngestEvent) => void {
  const told = new Map<string, string>();
  return (e) => {
    if (e.type === "file" && (e.status === "failed" || e.status === "skipped")) {
      if (told.get(e.path) === e.reason) return;
      told.set(e.path, e.reason ?? "");
    } else if (e.type === "file") told.delete(e.path);
    onEvent(e);
  };
}

export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** `grounded ingest --watch`: sync the folders now, then keep them in sync until `stop` settles (Ctrl+C). */
export async function runWatch(
  config: Config,
  roots: readonly string[],
  out: Output,
  err: Output,
  stop: Promise<void> = untilStopped(),
): Promise<number> {
  checkWatchRoots(roots);
  const store = await openIndex(config.db, { onUpgrade: (m) => err.write(`${m}\n`) });
  const progress = createProgress(out);
  const writer = createIndexWriter({
    config,
    store,
    client: createHostPool(config),
    onEvent: onceEachFailure(progress.onEvent),
    onMove: (from, to) => out.write(`${"moved".padEnd(8)} ${from} -> ${to}\n`),
    warn: (m) => err.write(`\n!! ${m}\n\n`),
  });
  out.write(`Watching ${roots.map((r) => path.resolve(r)).join(", ")} for changes (Ctrl+C stops)\n`);
  const watches = startWatches(writer, roots, err);
  await stop;
  for (const w of watches) w.close();
  await Promise.all(watches.map((w) => w.idle()));
  await store.close();
  return 0;
}
