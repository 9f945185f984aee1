import type { IndexWriterOptions } from "../ingest/index-writer.js";
import { supportedExtensions } from "../ingest/loaders/index.js";
import { createThreadedWriter, type ThreadedWriter } from "../ingest/threaded-writer.js";
import type { Uploads } from "../src/server/uploads.js";
import type { Service } from "../src/service/service.js";

/**
 * The index writer of a running server, on a thread of its own (ingest/threaded-writer.ts), and the upload
 * hook built on it. The server cannot import ingest/, so `grounded serve` (and tests) hand it `uploads`.
 */
export function createServerWriter(
  runtime: Service,
  options: Omit<IndexWriterOptions, "config" | "store" | "client"> = {},
): { writer: ThreadedWriter; uploads: Uploads } {
  const writer = createThreadedWriter({
    ...options,
    config: runtime.config,
    store: runtime.store,
    client: runtime.client,
    maxQueue: runtime.config.ingestQueue,
  });
  return { writer, uploads: { extensions: supportedExtensions, ingestFile: writer.ingestFile } };
}
