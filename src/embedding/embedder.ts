/**
 * The one interface every embedding backend implements: the Ollama adapter (src/embedding/ollama-embedder.ts) and the
 * built-in offline embedder (src/embedding/builtin-embedder.ts). Callers never know which one they hold.
 */
export type EmbedRole = "document" | "query";

export interface EmbedOptions {
  /** Documents and queries can need different task prefixes (docs/ollama.md, pitfall 3). */
  role: EmbedRole;
  signal?: AbortSignal;
}

export interface EmbedderInfo {
  /** The model name recorded in the index ("builtin" for the offline embedder). */
  model: string;
  dimensions: number;
  /** The model's context length in tokens; chunks must stay well inside it. */
  contextLength: number;
}

export interface Embedder {
  readonly kind: "ollama" | "builtin";
  readonly model: string;
  /** Dimensions and context length; may call the backend once and cache the answer. */
  info(signal?: AbortSignal): Promise<EmbedderInfo>;
  /** One vector per text, L2-normalised, in input order. */
  embed(texts: string[], options: EmbedOptions): Promise<Float32Array[]>;
}
