import type { Service } from "../../service/service.js";

/**
 * What the Ollama- and OpenAI-compatible APIs need from the service. `answererFor` answers the model names
 * `grounded:<chat-model>` with another Ollama chat model, under the service's one chat limiter.
 */
export type CompatDeps = Pick<Service, "config" | "answerer" | "answererFor"> & { version: string };
