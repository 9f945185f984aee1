import { z } from "zod";

/**
 * The questions and searches every front end takes: the bodies of `/api/ask` and `/api/search`, and the
 * arguments of the MCP tools (src/mcp/tools.ts). The same schemas validate the requests and describe them
 * (the OpenAPI document, the tools' input schemas), so no front end can accept what another refuses.
 */
const filter = z
  .object({
    source: z.string().max(1000).optional().describe("Only documents whose source starts with this prefix"),
  })
  .strict();

const history = z
  .array(z.object({ role: z.enum(["user", "assistant"]), content: z.string().max(20000) }).strict())
  .max(50)
  .default([])
  .describe(
    "Earlier turns of the conversation, oldest first: a follow-up is searched for what it means in them",
  );

export const askSchema = z
  .object({
    question: z
      .string()
      .trim()
      .min(1, "question must not be empty")
      .max(8000, "question is longer than 8000 characters")
      .describe("The question, in the user's words (any language)"),
    k: z.number().int().min(1).max(50).default(6).describe("How many passages to answer from"),
    stream: z.boolean().default(false),
    history,
    filter: filter.optional(),
  })
  .strict();

export const searchSchema = z
  .object({
    query: z
      .string()
      .trim()
      .min(1, "query must not be empty")
      .max(8000, "query is longer than 8000 characters")
      .describe("What to look for: words, a phrase or a question"),
    k: z.number().int().min(1).max(100).default(10).describe("How many passages to return"),
    filter: filter.optional(),
    mode: z.enum(["hybrid", "vector", "lexical"]).default("hybrid"),
    history,
  })
  .strict();
