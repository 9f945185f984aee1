import path from "node:path";
import { builtinVector } from "../../src/embedding/builtin-embedder.js";
import type { ChunkToStore, NewDocument } from "../../src/store/store.js";

/**
 * A chunk as the ingest pipeline hands it to a store, for tests that write to a store directly: the whole
 * text as one span, the built-in embedder's vector of the text unless another is given.
 */
export function testChunk(
  text: string,
  options: {
    page?: number | null;
    headingPath?: string[];
    context?: string;
    vector?: Float32Array;
    tokens?: number;
  } = {},
): ChunkToStore {
  return {
    text,
    page: options.page ?? null,
    headingPath: options.headingPath ?? [],
    start: 0,
    end: text.length,
    tokens: options.tokens ?? 10,
    context: options.context ?? "",
    vector: options.vector ?? builtinVector(text),
  };
}

/** A Markdown document record under `root`, its hash derived from its name. */
export function testDocument(name: string, root = "/docs"): NewDocument {
  return {
    path: path.join(root, name),
    source: name,
    root,
    title: null,
    format: "markdown",
    hash: `h-${name}`,
    bytes: 10,
    pages: null,
    embedModel: "builtin",
  };
}
