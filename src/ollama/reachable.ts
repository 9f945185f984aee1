import { OllamaTimeoutError, OllamaUnavailableError } from "../errors.js";
import type { OllamaClient } from "./client.js";

/**
 * Ollama's version, or null when nothing answers at its address. Any HTTP answer counts as reachable (an
 * old or unusual server without /api/version still serves the model endpoints); only a refused connection
 * or silence means it is not there.
 */
export async function ollamaReachable(client: OllamaClient): Promise<string | null> {
  try {
    const { version } = await client.version({ signal: AbortSignal.timeout(3000) });
    return typeof version === "string" ? version : "unknown";
  } catch (e) {
    return e instanceof OllamaUnavailableError ||
      e instanceof OllamaTimeoutError ||
      (e as Error)?.name === "TimeoutError"
      ? null
      : "unknown";
  }
}
