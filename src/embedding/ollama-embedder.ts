import { OllamaError } from "../errors.js";
import type { OllamaClient } from "../ollama/client.js";
import { withRetry } from "../ollama/retry.js";
import type { KeepAlive } from "../ollama/wire.js";
import { modelInfoNumber } from "../ollama/wire.js";
import type { Embedder, EmbedderInfo, EmbedOptions } from "./embedder.js";
import { embedPrefixes } from "./presets.js";

export interface OllamaEmbedderOptions {
  client: OllamaClient;
  model: string;
  /** Named in error messages; normally the client's host. */
  host: string;
  /** Extra tries for transient faults (default 4). */
  retries?: number;
  /** First backoff step in ms (default 500); doubles each try, with full jitter. */
  retryBaseMs?: number;
  keepAlive?: KeepAlive;
}

/** Ollama's own fallback for models that do not report one is far larger; 512 keeps chunks safe. */
const FALLBACK_CONTEXT_LENGTH = 512;

/** The Embedder for an Ollama embedding model, sending `/api/embed` (normalised vectors, batch input). */
export function createOllamaEmbedder(options: OllamaEmbedderOptions): Embedder {
  const { client, model, host } = options;
  const prefixes = embedPrefixes(model);
  const retry = (signal?: AbortSignal) => ({
    retries: options.retries ?? 4,
    baseMs: options.retryBaseMs ?? 500,
    signal,
  });
  let cachedInfo: Promise<EmbedderInfo> | undefined;

  async function request(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const res = await withRetry(
      () => client.embed({ model, input, keepAlive: options.keepAlive }, { signal }),
      retry(signal),
    );
    if (res.embeddings.length !== input.length) {
      throw new OllamaError(
        200,
        `/api/embed returned ${res.embeddings.length} vectors for ${input.length} inputs from "${model}"`,
        host,
      );
    }
    const dims = res.embeddings[0]?.length ?? 0;
    return res.embeddings.map((vector) => {
      if (!Array.isArray(vector) || vector.length === 0 || vector.length !== dims) {
        throw new OllamaError(200, `/api/embed returned vectors of differing lengths from "${model}"`, host);
      }
      return Float32Array.from(vector);
    });
  }

  async function loadInfo(signal?: AbortSignal): Promise<EmbedderInfo> {
    const show = await withRetry(() => client.show(model, { signal }), retry(signal));
    const contextLength = modelInfoNumber(show, "context_length") ?? FALLBACK_CONTEXT_LENGTH;
    // Some models (and older Ollama versions) do not report embedding_length: ask the model itself.
    const dimensions =
      modelInfoNumber(show, "embedding_length") ??
      (await request([`${prefixes.document}dimension probe`], signal))[0]?.length ??
      0;
    return { model, dimensions, contextLength };
  }

  return {
    kind: "ollama",
    model,

    info(signal) {
      if (!cachedInfo) {
        cachedInfo = loadInfo(signal);
        // A failed or aborted lookup must not poison the cache for the next caller.
        cachedInfo.catch(() => {
          cachedInfo = undefined;
        });
      }
      return cachedInfo;
    },

    async embed(texts: string[], { role, signal }: EmbedOptions) {
      if (texts.length === 0) return [];
      const prefix = prefixes[role];
      return request(
        texts.map((text) => prefix + text),
        signal,
      );
    },
  };
}
