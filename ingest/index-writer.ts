import path from "node:path";
import type { Config } from "../src/config.js";
import { selectEmbedder } from "../src/embedding/select-embedder.js";
import { LoaderError } from "../src/errors.js";
import type { OllamaClient } from "../src/ollama/client.js";
import type { DocumentRecord, Store } from "../src/store/store.js";
import type { IngestEvent, IngestSummary } from "./ingest-report.js";
import { acquireIngestLock } from "./lock.js";
import { ingest } from "./pipeline.js";
import { moveRenamed } from "./renames.js";
import { walk } from "./walk.js";

export interface IndexWriterOptions {
  config: Config;
  store: Store;
  client: OllamaClient;
  onEvent?: (event: IngestEvent) => void;
  /** Told about a renamed file whose row was moved instead of re-embedded. */
  onMove?: (from: string, to: string) => void;
  warn?: (message: string) => void;
}

export interface IndexWriter {
  /** Ingest one file (an upload) and return its document. A file that cannot be loaded throws LoaderError. */
  ingestFile(file: string): Promise<DocumentRecord>;
  /** Bring the index in line with a folder: new and changed files embedded, renames moved, deletions removed. */
  sync(root: string): Promise<IngestSummary>;
}

/**
 * The writer inside a long-running process (`serve` uploads, `--watch`). Writes run one at a time, each
 * holding the ingest lock only while it runs, so a `grounded ingest` in another terminal can take turns.
 */
export function createIndexWriter(options: IndexWriterOptions): IndexWriter {
  const { config, store, client } = options;
  let tail: Promise<unknown> = Promise.resolve();
  const warned = new Set<string>();

  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(async () => {
      const release = acquireIngestLock(config.db);
      try {
        return await work();
      } finally {
        release();
      }
    });
    tail = run.catch(() => {});
    return run;
  }

  async function run(roots: string[], prune: boolean): Promise<IngestSummary> {
    const choice = await selectEmbedder(config, client, await store.indexInfo(), "ingest");
    if (choice.warning && !warned.has(choice.warning)) {
      warned.add(choice.warning);
      options.warn?.(choice.warning);
    }
    return ingest({ store, embedder: choice.embedder, config }, { roots, prune, onEvent: options.onEvent });
  }

  return {
    ingestFile: (file) =>
      serial(async () => {
        const summary = await run([file], false);
        const failure = summary.failures[0] ?? summary.skips[0];
        if (failure) throw new LoaderError(failure.source, failure.reason);
        const doc = await store.documentByPath(path.resolve(file));
        if (!doc) throw new LoaderError(path.basename(file), "was not stored; see the server log");
        return doc;
      }),
    sync: (rootArg) =>
      serial(async () => {
        const root = path.resolve(rootArg);
        const files: string[] = [];
        for await (const file of walk(root)) files.push(file);
        for (const m of await moveRenamed(store, root, files)) options.onMove?.(m.from, m.to);
        return run([root], true);
      }),
  };
}
