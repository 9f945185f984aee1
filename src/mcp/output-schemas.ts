import { z } from "zod";

/**
 * The structured results of the MCP tools (tools.ts), published as each tool's outputSchema; the SDK checks
 * every result against them before it is sent. Field names are those of the HTTP API (README, openapi.ts).
 */

const coverage = z
  .enum(["answered", "partial", "not_covered"])
  .describe(
    "answered: the documents clearly hold it; partial: they may hold part of it (read the passages); not_covered: the documents do not hold it",
  );

const passageFields = {
  source: z.string().describe("The file, relative to the folder it was ingested from"),
  page: z.number().int().nullable().describe("1-based page for PDFs, null for formats without pages"),
  heading: z.string().nullable().describe("The section's heading path, outermost first"),
  documentId: z.number().int().describe("The document it comes from"),
  chunkId: z.number().int().describe("The passage's first chunk"),
  chunkIds: z.array(z.number().int()).describe("Every chunk the passage spans, in document order"),
  text: z.string().describe("The passage, exactly as the document has it"),
  score: z.number().describe("Relevance; higher is better, comparable within one result only"),
  document: z.string().describe("The whole document as an MCP resource: grounded://document/<id>"),
};

export const searchOutput = z.object({
  results: z.array(z.object(passageFields)).describe("The passages, best first"),
  coverage,
  relevant: z.boolean().describe("False when coverage is not_covered: the results are only the nearest text"),
});

export const askOutput = z.object({
  answer: z.string().describe("The answer; each statement cites its sources as [n]"),
  citations: z
    .array(z.object({ n: z.number().int().describe("The [n] the answer cites it by"), ...passageFields }))
    .describe("The sources the answer cites"),
  coverage,
  grounded: z
    .boolean()
    .describe("False when the answer is a refusal (the documents do not cover the question)"),
  sentences: z
    .array(
      z.object({
        text: z.string(),
        citations: z.array(z.number().int()),
        support: z
          .enum(["supported", "weak", "unsupported", "uncited"])
          .describe("How well the passages the sentence cites hold it"),
        score: z.number(),
        evidence: z
          .object({ n: z.number().int(), start: z.number().int(), end: z.number().int() })
          .nullable()
          .describe("Where in citation n's text the supporting words are"),
      }),
    )
    .describe("Every sentence of the answer checked against the passages it cites"),
  unsupported: z.number().int().describe("How many sentences are unsupported or cite nothing"),
  mode: z
    .enum(["generative", "extractive"])
    .describe("Written by the chat model, or quoted from the sources"),
  model: z.string().nullable().describe("The chat model that wrote the answer, or null"),
});

export const documentsOutput = z.object({
  documents: z.array(
    z.object({
      id: z.number().int(),
      uri: z.string().describe("The document as an MCP resource: its whole text, page by page"),
      source: z.string().describe("The file, relative to the folder it was ingested from"),
      title: z.string().nullable(),
      format: z.string().describe("pdf, markdown, text, html or docx"),
      pages: z.number().int().nullable(),
      chunks: z.number().int(),
      ingestedAt: z.string(),
    }),
  ),
});
