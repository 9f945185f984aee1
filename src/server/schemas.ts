import { z } from "zod";

/** Request bodies of grounded's own API. The same schemas validate requests and describe the API. */
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
      .max(8000, "question is longer than 8000 characters"),
    k: z.number().int().min(1).max(50).default(6),
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
      .max(8000, "query is longer than 8000 characters"),
    k: z.number().int().min(1).max(100).default(10),
    filter: filter.optional(),
    mode: z.enum(["hybrid", "vector", "lexical"]).default("hybrid"),
    history,
  })
  .strict();
