import { createIndexWriter, type IndexWriter, type IndexWriterOptions } from "../ingest/index-writer.js";
import { supportedExtensions } from "../ingest/loaders/index.js";
import type { Uploads } from "../src/server/uploads.js";
import type { Service } from "../src/service/service.js";

/**
 * The index writer of a running server, on the server's own store and Ollama client, and the upload hook
 * built on it. The server cannot import ingest/, so `grounded serve` (and tests) hand it `uploads`.
 */
export function createServerWriter(
  runtime: Service,
  options: Omit<IndexWriterOptions, "config" | "store" | "client"> = {},
): { writer: IndexWriter; uploads: Uploads } {
  const writer = createIndexWriter({
    ...options,
    config: runtime.config,
    store: runtime.store,
    client: runtime.client,
  });
  return { writer, uploads: { extensions: supportedExtensions, ingestFile: writer.ingestFile } };
}
