import { type Answerer, createAnswerer } from "../answer/answerer.js";
import type { Config } from "../config.js";
import { createLimiter } from "../limiter.js";
import { createOllamaChatModel } from "../ollama/chat-model.js";
import type { QueryRuntime } from "../runtime.js";

/**
 * What the Ollama and OpenAI faces need from the service. `answererFor` lets a client pick another Ollama
 * chat model through the model name `grounded:<chat-model>`; without it only the configured model is offered.
 */
export interface FaceDeps {
  config: Config;
  answerer: Answerer;
  answererFor?: ((chatModel: string) => Answerer) | undefined;
  version: string;
}

/** Distinct chat models kept ready at once; a client cycling through names must not grow memory forever. */
const MAX_CACHED = 8;

/**
 * Build `answererFor` from the query runtime: one answerer per chat model, sharing the retriever and one
 * limiter, so questions to other models also wait their turn instead of overloading Ollama.
 */
export function createAnswererFor(
  runtime: Pick<QueryRuntime, "config" | "client" | "retriever" | "answerer" | "chatModel">,
  warn?: (message: string) => void,
): (chatModel: string) => Answerer {
  const { config, client, retriever } = runtime;
  const limiter = createLimiter(config.chatConcurrency, config.chatQueue);
  const cache = new Map<string, Answerer>();
  return (chatModel) => {
    if (chatModel === runtime.chatModel?.model) return runtime.answerer;
    let answerer = cache.get(chatModel);
    if (!answerer) {
      const model = createOllamaChatModel({
        client,
        model: chatModel,
        host: config.ollamaHost,
        keepAlive: config.keepAlive,
      });
      answerer = createAnswerer({
        retriever,
        chatModel: model,
        limiter,
        think: config.think,
        ...(warn ? { warn } : {}),
      });
      if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
      cache.set(chatModel, answerer);
    }
    return answerer;
  };
}
