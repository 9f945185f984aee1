import type { ZodType } from "zod";
import { InvalidJsonError, ValidationError } from "../../errors.js";

/**
 * Read a JSON body on the Ollama- and OpenAI-compatible APIs. Unlike grounded's own API, no Content-Type is required:
 * Ollama's documented examples use `curl -d`, which sends `application/x-www-form-urlencoded`, and Ollama
 * reads the body as JSON regardless.
 */
export async function readCompatBody<T>(req: Request, schema: ZodType<T>): Promise<T> {
  const text = await req.text();
  if (text.trim() === "") throw new ValidationError("missing request body");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidJsonError(`invalid JSON in the request body: ${(err as Error).message}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new InvalidJsonError("the request body must be a JSON object");
  }
  return schema.parse(data);
}
