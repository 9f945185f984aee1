import type { Hono } from "hono";
import { z } from "zod";
import type { Config } from "../config.js";
import { askSchema, searchSchema } from "../service/schemas.js";

/**
 * The OpenAPI 3.1 description of grounded's own API. Request bodies are generated from the zod schemas
 * that validate the requests, so the document cannot drift from what the server accepts. Response schemas
 * are written here; test/openapi.test.ts parses real responses with them to keep them honest.
 */

const sourceRef = z.object({
  n: z.number().int().describe("The number the answer cites it by: [n]"),
  source: z.string().describe("The file, relative to the ingested folder"),
  page: z.number().int().nullable(),
  heading: z.string().nullable(),
  documentId: z
    .number()
    .int()
    .describe("The document it comes from: GET /api/documents/{id}/file opens the original file"),
  chunkId: z.number().int().describe("The passage's first chunk"),
  chunkIds: z
    .array(z.number().int())
    .describe(
      "Every chunk the passage spans, in document order: neighbouring chunks retrieved together are one passage",
    ),
  text: z.string(),
  score: z.number(),
});

const searchedFor = z
  .string()
  .nullable()
  .describe(
    "With history and a chat model: the standalone question the follow-up was rewritten into and searched for, beside the follow-up and its conversation; null when there was no rewrite",
  );

export const askResultSchema = z.object({
  answer: z.string(),
  citations: z.array(sourceRef).describe("The sources the answer cites"),
  sources: z.array(sourceRef).describe("Every source the model was given"),
  grounded: z.boolean().describe("False when the documents do not cover the question"),
  coverage: z
    .enum(["answered", "partial", "not_covered"])
    .describe(
      "answered: the sources clearly hold the answer; partial: they may hold part of it (check the citations); not_covered: a refusal",
    ),
  mode: z.enum(["generative", "extractive"]),
  model: z.string().nullable(),
  searchedFor,
  timings: z.object({ retrievalMs: z.number(), generationMs: z.number(), totalMs: z.number() }),
});

export const searchResultSchema = z.object({
  results: z.array(sourceRef.omit({ n: true })),
  relevant: z.boolean(),
  coverage: z.enum(["answered", "partial", "not_covered"]),
  searchedFor,
  timings: z.object({ retrievalMs: z.number() }),
});

export const documentsSchema = z.object({
  documents: z.array(
    z.object({
      id: z.number().int(),
      source: z.string(),
      title: z.string().nullable(),
      format: z.string(),
      pages: z.number().int().nullable(),
      chunks: z.number().int(),
      bytes: z.number().int(),
      embedModel: z.string(),
      ingestedAt: z.string(),
    }),
  ),
});

const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io });
  return rest;
}

const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });
const errors = {
  "400": { description: "The request is invalid; the message says which field", content: json("Error") },
  "401": {
    description: "GROUNDED_API_KEY is set and the bearer token is missing or wrong",
    content: json("Error"),
  },
  "403": {
    description:
      "The Host is not one of the server's names (GROUNDED_ALLOWED_HOSTS), or a web page of another origin sent the request (GROUNDED_CORS_ORIGIN)",
    content: json("Error"),
  },
};

function openApiDocument(config: Config, version: string) {
  return {
    openapi: "3.1.0",
    info: {
      title: "grounded",
      version,
      description:
        "Questions answered from your documents, with citations to file and page. Ollama-compatible routes (/api/chat, /api/generate, /api/tags ...) and OpenAI-compatible routes (/v1/...) are described in docs/compat.md.",
    },
    paths: {
      "/health": {
        get: {
          summary: "Index, Ollama and answer mode",
          security: [],
          responses: { "200": { description: "Service status" } },
        },
      },
      "/api/ask": {
        post: {
          summary: "Answer a question from the documents, with citations",
          requestBody: { required: true, content: json("AskRequest") },
          responses: {
            "200": {
              description:
                "The answer; with `stream: true` NDJSON events `sources`, `delta`..., `done` (the same fields)",
              content: { ...json("AskResult"), "application/x-ndjson": { schema: { type: "object" } } },
            },
            ...errors,
            "429": { description: "Too many questions waiting; see Retry-After", content: json("Error") },
            "503": { description: "Ollama or the chat model is not available", content: json("Error") },
          },
        },
      },
      "/api/search": {
        post: {
          summary: "Ranked passages for a query, without an answer",
          requestBody: { required: true, content: json("SearchRequest") },
          responses: { "200": { description: "Ranked chunks", content: json("SearchResult") }, ...errors },
        },
      },
      "/api/documents": {
        get: {
          summary: "The documents in the index",
          responses: { "200": { description: "Documents", content: json("Documents") } },
        },
      },
      "/api/documents/{id}": {
        delete: {
          summary: "Remove a document and its chunks from the index",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer", minimum: 0 } }],
          responses: {
            "200": { description: "Deleted" },
            ...errors,
            "404": { description: "No document with this id", content: json("Error") },
          },
        },
      },
      "/api/documents/{id}/file": {
        get: {
          summary:
            "The document's original file, read-only (PDF, Markdown and text inline; HTML and DOCX as downloads)",
          parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer", minimum: 0 } }],
          responses: {
            "200": { description: "The file as it is on disk" },
            ...errors,
            "403": {
              description: "The file is no longer a regular file inside the folder it was indexed from",
              content: json("Error"),
            },
            "404": { description: "No document with this id, or its file is gone", content: json("Error") },
          },
        },
      },
    },
    components: {
      schemas: {
        AskRequest: jsonSchema(askSchema, "input"),
        SearchRequest: jsonSchema(searchSchema, "input"),
        AskResult: jsonSchema(askResultSchema, "output"),
        SearchResult: jsonSchema(searchResultSchema, "output"),
        Documents: jsonSchema(documentsSchema, "output"),
        Error: jsonSchema(errorSchema, "output"),
      },
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    // Only when the service was started with GROUNDED_API_KEY do /api/* and /v1/* need the token (/health never).
    ...(config.apiKey ? { security: [{ bearer: [] }] } : {}),
  };
}

export function registerOpenApi(app: Hono, deps: { config: Config; version: string }): void {
  const document = openApiDocument(deps.config, deps.version);
  app.get("/openapi.json", (c) => c.json(document));
}
