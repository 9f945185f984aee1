import { createHash } from "node:crypto";

/** The models a stand-in Ollama has, and how it describes them on /api/tags, /api/show and /api/ps. */
export interface StandInModel {
  /** As the user types it; `bge-m3` and `bge-m3:latest` are the same model. */
  name: string;
  kind: "embedding" | "chat";
  /** Vector size for embedding models (hidden size for chat models); default 768. */
  dims?: number;
  contextLength?: number;
  architecture?: string;
  /** Chat models that emit `message.thinking` unless `think:false`. */
  thinking?: boolean;
  /** Leave these keys out of /api/show model_info, as some models and old versions do. */
  hideInShow?: Array<"context_length" | "embedding_length">;
  /** Report this embedding_length on /api/show instead of the real vector size (a misreporting server). */
  showDims?: number;
}

export const DEFAULT_STAND_IN_MODELS: readonly StandInModel[] = Object.freeze([
  { name: "bge-m3", kind: "embedding", dims: 1024, contextLength: 8192, architecture: "xlm-roberta" },
  { name: "nomic-embed-text", kind: "embedding", dims: 768, contextLength: 2048, architecture: "nomic-bert" },
  { name: "gemma4:e4b", kind: "chat", dims: 2560, contextLength: 32768, architecture: "gemma3" },
]);

/** What `/api/pull` can fetch from the pretend registry; any other name fails like a missing manifest. */
export const PULLABLE_STAND_IN_MODELS: readonly StandInModel[] = Object.freeze([
  ...DEFAULT_STAND_IN_MODELS,
  { name: "mxbai-embed-large", kind: "embedding", dims: 1024, contextLength: 512, architecture: "bert" },
  { name: "all-minilm", kind: "embedding", dims: 384, contextLength: 512, architecture: "bert" },
  { name: "embeddinggemma", kind: "embedding", dims: 768, contextLength: 2048, architecture: "gemma3" },
  { name: "qwen3-embedding", kind: "embedding", dims: 1024, contextLength: 32768, architecture: "qwen3" },
  { name: "qwen3", kind: "chat", dims: 4096, contextLength: 40960, architecture: "qwen3", thinking: true },
  { name: "llama3.2", kind: "chat", dims: 3072, contextLength: 131072, architecture: "llama" },
]);

/** Ollama adds `:latest` to a name without a tag. */
export function canonicalName(name: string): string {
  const last = name.split("/").pop() ?? "";
  return last.includes(":") ? name : `${name}:latest`;
}

export function digestOf(model: StandInModel): string {
  return createHash("sha256").update(canonicalName(model.name)).digest("hex");
}

function details(model: StandInModel) {
  const arch = model.architecture ?? (model.kind === "embedding" ? "bert" : "llama");
  return {
    parent_model: "",
    format: "gguf",
    family: arch,
    families: [arch],
    parameter_size: model.kind === "embedding" ? "567M" : "8.0B",
    quantization_level: model.kind === "embedding" ? "F16" : "Q4_K_M",
  };
}

export function tagsEntry(model: StandInModel) {
  const name = canonicalName(model.name);
  const size = model.kind === "embedding" ? 1_157_672_605 : 9_608_350_718;
  return {
    name,
    model: name,
    modified_at: "2025-06-01T10:00:00Z",
    size,
    digest: digestOf(model),
    details: details(model),
  };
}

export function showPayload(model: StandInModel) {
  const arch = model.architecture ?? (model.kind === "embedding" ? "bert" : "llama");
  const hidden = new Set(model.hideInShow ?? []);
  const modelInfo: Record<string, unknown> = {
    "general.architecture": arch,
    "general.parameter_count": model.kind === "embedding" ? 566_703_104 : 8_000_000_000,
  };
  if (!hidden.has("context_length")) modelInfo[`${arch}.context_length`] = model.contextLength ?? 2048;
  if (!hidden.has("embedding_length"))
    modelInfo[`${arch}.embedding_length`] = model.showDims ?? model.dims ?? 768;
  const capabilities =
    model.kind === "embedding" ? ["embedding"] : ["completion", ...(model.thinking ? ["thinking"] : [])];
  return {
    license: "",
    modelfile: `FROM ${canonicalName(model.name)}\n`,
    parameters: model.kind === "chat" ? 'stop "<end_of_turn>"' : "",
    template: "{{ .Prompt }}",
    details: details(model),
    model_info: modelInfo,
    capabilities,
    modified_at: "2025-06-01T10:00:00Z",
  };
}

export function psEntry(model: StandInModel, expiresAt: Date) {
  return {
    ...tagsEntry(model),
    expires_at: expiresAt.toISOString(),
    size_vram: tagsEntry(model).size,
    context_length: model.contextLength ?? 2048,
  };
}
