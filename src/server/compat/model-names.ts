import type { Answerer } from "../../answer/answerer.js";
import { UnknownModelError } from "../../errors.js";
import type { CompatDeps } from "./deps.js";

/**
 * The model names grounded offers to chat clients: `grounded` (or `grounded:latest`) answers with the
 * configured chat model, `grounded:<chat-model>` with that Ollama chat model. The answers are always
 * grounded in the index; only the model that writes them changes.
 */
export const COMPAT_MODEL = "grounded";

/**
 * The chat model that writes the answers of the name `grounded`, or null when answers are extractive
 * (GROUNDED_CHAT_MODEL=none, or Ollama was not reachable when grounded started).
 */
export function answeringModel(deps: Pick<CompatDeps, "config" | "answerer">): string | null {
  return deps.answerer.mode === "generative" ? deps.config.chatModel : null;
}

/** The names listed by /api/tags and /v1/models: only names that answer the way they say. */
export function compatModelNames(chatModel: string | null): string[] {
  const names = [`${COMPAT_MODEL}:latest`];
  if (chatModel !== null && chatModel !== "latest") names.push(`${COMPAT_MODEL}:${chatModel}`);
  return names;
}

/** The chat model a compat model name asks for (undefined = the configured one), or null if the name is not ours. */
export function chatModelOf(name: string): string | undefined | null {
  const colon = name.indexOf(":");
  const base = (colon === -1 ? name : name.slice(0, colon)).trim().toLowerCase();
  if (base !== COMPAT_MODEL) return null;
  // A chat model's own name may contain a colon (`gemma4:e4b`): everything after the first one is the tag.
  const tag = colon === -1 ? "" : name.slice(colon + 1).trim();
  return tag === "" || tag === "latest" ? undefined : tag;
}

/** The answerer for a compat model name; throws UnknownModelError for other names. */
export function answererForName(name: string, deps: CompatDeps): Answerer {
  const chatModel = chatModelOf(name);
  if (chatModel === null) throw new UnknownModelError(name);
  if (chatModel === undefined || chatModel === deps.config.chatModel) return deps.answerer;
  if (!deps.answererFor) throw new UnknownModelError(name);
  return deps.answererFor(chatModel);
}
