import type { Config } from "../config.js";
import { EmbeddingMismatchError } from "../errors.js";
import type { OllamaClient } from "../ollama/client.js";
import { ollamaReachable } from "../ollama/reachable.js";
import { BUILTIN_MODEL, createBuiltinEmbedder } from "./builtin-embedder.js";
import type { Embedder } from "./embedder.js";
import { createOllamaEmbedder } from "./ollama-embedder.js";

/** What an index records about the model that built it (the store's `IndexInfo`, or null for a new index). */
export interface IndexModel {
  embedModel: string;
  dimensions: number;
}

export interface EmbedderChoice {
  embedder: Embedder;
  /** Something the user must hear about (the offline fallback, a model other than the configured one). */
  warning: string | null;
}

const fallbackWarning = (host: string, cli: string) =>
  `Ollama is not reachable at ${host}: using the built-in offline embedder, which matches words, not meaning. ` +
  `Start Ollama, then run \`${cli} ingest --reindex <folder>\` for much better search.`;

/**
 * Pick the embedder for a run. Queries must use the model the index was built with. Ingest uses the
 * configured model; when this is the first ingest and Ollama cannot be reached it falls back, loudly, to the
 * built-in embedder so a newcomer without Ollama still gets a working index.
 */
export async function selectEmbedder(
  config: Config,
  client: OllamaClient,
  index: IndexModel | null,
  purpose: "ingest" | "query",
  options: { reindex?: boolean } = {},
): Promise<EmbedderChoice> {
  // A person waits on a query: one quick retry, then the caller falls back (search goes lexical-only).
  const ollama = (model: string) =>
    createOllamaEmbedder({
      client,
      model,
      host: client.host,
      keepAlive: config.keepAlive,
      retries: purpose === "query" ? Math.min(config.embedRetries, 1) : config.embedRetries,
      retryBaseMs: config.retryBaseMs,
    });
  const builtin = createBuiltinEmbedder();

  if (purpose === "query" && index) {
    if (index.embedModel === BUILTIN_MODEL) {
      // Only worth saying when the better option is actually there: Ollama is running now.
      const upgrade = config.embedModel !== BUILTIN_MODEL && (await ollamaReachable(client)) !== null;
      const warning = upgrade
        ? `This index uses the built-in offline embedder. Ollama is running now: \`${config.cli} ingest --reindex <folder>\` rebuilds it with "${config.embedModel}" for much better search.`
        : null;
      return { embedder: builtin, warning };
    }
    const warning =
      index.embedModel !== config.embedModel
        ? `The index was built with "${index.embedModel}", so queries use it (GROUNDED_EMBED_MODEL says "${config.embedModel}"). Run \`${config.cli} ingest --reindex <folder>\` to switch.`
        : null;
    return { embedder: ollama(index.embedModel), warning };
  }

  if (config.embedModel === BUILTIN_MODEL) {
    if (index && index.embedModel !== BUILTIN_MODEL && !options.reindex) {
      throw new EmbeddingMismatchError(
        index.embedModel,
        index.dimensions,
        BUILTIN_MODEL,
        undefined,
        config.cli,
      );
    }
    return { embedder: builtin, warning: null };
  }
  const reachable = (await ollamaReachable(client)) !== null;
  if (!reachable && (!index || index.embedModel === BUILTIN_MODEL)) {
    return { embedder: builtin, warning: fallbackWarning(client.host, config.cli) };
  }
  if (index && index.embedModel !== config.embedModel && !options.reindex) {
    throw new EmbeddingMismatchError(
      index.embedModel,
      index.dimensions,
      config.embedModel,
      undefined,
      config.cli,
    );
  }
  return { embedder: ollama(config.embedModel), warning: null };
}
