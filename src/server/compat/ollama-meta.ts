import { createHash } from "node:crypto";
import { chatModelOf, compatModelNames } from "./model-names.js";

/**
 * How grounded describes itself to Ollama clients that probe before they chat (/api/tags, /api/show,
 * /api/ps, /api/version). Only the shapes matter to those clients; the numbers are honest zeros where
 * grounded has nothing to report (it holds no weights of its own).
 */

/** The Ollama API level grounded speaks. Clients gate features on it, so it names a real Ollama release. */
export const OLLAMA_API_VERSION = "0.12.6";

/** `chatModel` is the Ollama chat model that writes the answers, or null when they are extractive. */
function details(chatModel: string | null) {
  return {
    parent_model: chatModel ?? "",
    format: "grounded",
    family: "grounded",
    families: ["grounded"],
    parameter_size: "",
    quantization_level: "",
  };
}

/** The chat model behind a listed name: `grounded:<model>` names its own, `grounded` the one answering. */
function chatModelFor(name: string, chatModel: string | null): string | null {
  return chatModelOf(name) ?? chatModel;
}

function digest(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export function tagsPayload(chatModel: string | null, startedAt: string) {
  return {
    models: compatModelNames(chatModel).map((name) => ({
      name,
      model: name,
      modified_at: startedAt,
      size: 0,
      digest: digest(name),
      details: details(chatModelFor(name, chatModel)),
    })),
  };
}

/** The configured model is "running" while grounded runs; nothing else is loaded by grounded itself. */
export function psPayload(chatModel: string | null) {
  const [name] = compatModelNames(chatModel);
  const expires = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
  return {
    models: [
      {
        name,
        model: name,
        size: 0,
        digest: digest(name ?? ""),
        details: details(chatModel),
        expires_at: expires,
        size_vram: 0,
      },
    ],
  };
}

/** `chatModel`: the chat model that answers for `name`, or null when its answers are extractive. */
export function showPayload(name: string, chatModel: string | null, startedAt: string) {
  const modelfile =
    chatModel === null
      ? `# ${name}: answers only from the documents in grounded's index, extractively (the best-matching sentences, no chat model), with citations.\n`
      : `# ${name}: answers only from the documents in grounded's index, written by ${chatModel}, with citations.\nFROM ${chatModel}\n`;
  return {
    license: "",
    modelfile,
    parameters: "",
    template: "{{ .Prompt }}",
    details: details(chatModel),
    model_info: { "general.architecture": "grounded" },
    capabilities: ["completion"],
    modified_at: startedAt,
  };
}
