import { createHash } from "node:crypto";
import type { Config } from "../config.js";
import { chatModelOf, faceModelNames } from "./face-model.js";

/**
 * How grounded describes itself to Ollama clients that probe before they chat (/api/tags, /api/show,
 * /api/ps, /api/version). Only the shapes matter to those clients; the numbers are honest zeros where
 * grounded has nothing to report (it holds no weights of its own).
 */

/** The Ollama API level grounded speaks. Clients gate features on it, so it names a real Ollama release. */
export const OLLAMA_API_VERSION = "0.12.6";

function details(chatModel: string) {
  return {
    parent_model: chatModel,
    format: "grounded",
    family: "grounded",
    families: ["grounded"],
    parameter_size: "",
    quantization_level: "",
  };
}

function chatModelFor(name: string, config: Config): string {
  return chatModelOf(name) ?? config.chatModel;
}

function digest(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

export function tagsPayload(config: Config, startedAt: string) {
  return {
    models: faceModelNames(config).map((name) => ({
      name,
      model: name,
      modified_at: startedAt,
      size: 0,
      digest: digest(name),
      details: details(chatModelFor(name, config)),
    })),
  };
}

/** The configured model is "running" while grounded runs; nothing else is loaded by grounded itself. */
export function psPayload(config: Config) {
  const [name] = faceModelNames(config);
  const expires = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
  return {
    models: [
      {
        name,
        model: name,
        size: 0,
        digest: digest(name ?? ""),
        details: details(config.chatModel),
        expires_at: expires,
        size_vram: 0,
      },
    ],
  };
}

export function showPayload(name: string, config: Config, startedAt: string) {
  const chatModel = chatModelFor(name, config);
  return {
    license: "",
    modelfile: `# ${name}: answers only from the documents in grounded's index, written by ${chatModel}, with citations.\nFROM ${chatModel}\n`,
    parameters: "",
    template: "{{ .Prompt }}",
    details: details(chatModel),
    model_info: { "general.architecture": "grounded" },
    capabilities: ["completion"],
    modified_at: startedAt,
  };
}
