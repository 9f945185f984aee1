import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { GroundedError, INTERNAL_ERROR_MESSAGE } from "../errors.js";

/**
 * A tool that fails (Ollama down, too many questions waiting, ...) answers with a tool error the model can
 * read and act on, worded as grounded's HTTP API words the same error; the server itself goes on. An
 * error outside grounded's family is a bug: its details go to stderr, never to the protocol's stdout.
 */
export function toolError(e: unknown, signal?: AbortSignal): CallToolResult {
  // A request its client gave up on ends in an AbortError that no one will read: no bug to report.
  if (!(e instanceof GroundedError) && !signal?.aborted) console.error(e);
  const text = e instanceof GroundedError ? e.message : INTERNAL_ERROR_MESSAGE;
  return { isError: true, content: [{ type: "text", text }] };
}
