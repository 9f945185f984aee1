import path from "node:path";
import { embedPrefixes } from "../../src/embedding/presets.js";
import type { ChunkToStore, DocumentRecord } from "../../src/store/store.js";
import { testChunk } from "../helpers/stored-chunks.js";
import { lexicalEmbedding } from "../stand-in/lexical-embedding.js";
import { syntheticPassages } from "./corpus.js";

export const MODEL_FOR_DIMS: Record<number, string> = { 768: "nomic-embed-text", 1024: "bge-m3" };

export interface SyntheticDocument {
  doc: Omit<DocumentRecord, "id" | "chunkCount" | "ingestedAt">;
  chunks: ChunkToStore[];
}

/**
 * The bench's synthetic index as documents of 100 passages (the last one shorter), with the vectors the
 * stand-in would return (its lexical embedding, with the model's document prefix), computed in-process.
 * One at a time, so memory stays flat at a million chunks.
 */
export function* syntheticDocuments(chunks: number, dims: number): Generator<SyntheticDocument> {
  const model = MODEL_FOR_DIMS[dims] ?? "bge-m3";
  const prefix = embedPrefixes(model).document;
  for (let d = 0; d * 100 < chunks; d++) {
    const { doc, passages } = syntheticPassages(3, d, Math.min(100, chunks - d * 100));
    yield {
      doc: {
        root: "/bench",
        title: doc.title,
        format: doc.markdown ? "markdown" : "text",
        hash: `h${d}`,
        bytes: 0,
        pages: null,
        path: path.join("/bench", doc.name),
        source: doc.name,
        embedModel: model,
      },
      chunks: passages.map((text) =>
        testChunk(text, {
          tokens: 400,
          context: doc.title,
          vector: Float32Array.from(lexicalEmbedding(`${prefix}${doc.title}\n${text}`, dims)),
        }),
      ),
    };
  }
}
