import type { OllamaClient } from "../ollama/client.js";
import type { KeepAlive } from "../ollama/wire.js";
import { modelInfoNumber } from "../ollama/wire.js";
import type { ChatEvent, ChatMessage, ChatModel, ChatRequestOptions } from "./chat-model.js";

export interface OllamaChatModelOptions {
  client: OllamaClient;
  model: string;
  /** Named in error messages; normally the client's host. */
  host: string;
  keepAlive?: KeepAlive;
}

/** Ollama's usual default num_ctx, assumed when /api/show does not report the model's context length. */
const FALLBACK_CONTEXT_LENGTH = 4096;

/** The ChatModel for an Ollama chat model, streaming `/api/chat`. */
export function createOllamaChatModel(options: OllamaChatModelOptions): ChatModel {
  const { client, model } = options;
  let cachedContext: Promise<number> | undefined;
  let lastNumCtx: number | undefined;

  return {
    model,

    contextLength(signal) {
      if (!cachedContext) {
        cachedContext = client
          .show(model, { signal })
          .then((show) => modelInfoNumber(show, "context_length") ?? FALLBACK_CONTEXT_LENGTH);
        // A failed or aborted lookup must not poison the cache for the next caller.
        cachedContext.catch(() => {
          cachedContext = undefined;
        });
      }
      return cachedContext;
    },

    lastNumCtx: () => lastNumCtx,

    async *chat(messages: ChatMessage[], request: ChatRequestOptions = {}): AsyncGenerator<ChatEvent> {
      const runtime: Record<string, number> = {};
      // Without num_ctx Ollama silently truncates long prompts to its small default (pitfall 1).
      if (request.numCtx !== undefined) runtime.num_ctx = lastNumCtx = request.numCtx;
      if (request.numPredict !== undefined) runtime.num_predict = request.numPredict;
      if (request.temperature !== undefined) runtime.temperature = request.temperature;
      const stream = client.chat(
        {
          model,
          messages,
          options: Object.keys(runtime).length > 0 ? runtime : undefined,
          // Sent explicitly: recent Ollama versions think by default, spending tokens on hidden text.
          think: request.think ?? false,
          keepAlive: options.keepAlive,
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        const content = chunk.message?.content;
        if (content) yield { type: "delta", content };
        if (chunk.done === true) {
          yield {
            type: "done",
            doneReason: chunk.done_reason,
            promptEvalCount: chunk.prompt_eval_count,
            evalCount: chunk.eval_count,
          };
        }
      }
    },
  };
}
