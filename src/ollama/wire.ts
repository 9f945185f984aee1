/** The parts of Ollama's wire format grounded reads (docs/ollama.md, "Endpoints used"); other fields pass through. */

/** A number of seconds, or a Go duration string such as "30m"; negative keeps the model loaded. */
export type KeepAlive = number | string;

interface OllamaModelDetails {
  format?: string;
  family?: string;
  families?: string[] | null;
  parameter_size?: string;
  quantization_level?: string;
}

export interface OllamaTagsResponse {
  models: Array<{
    name: string;
    model: string;
    size?: number;
    digest?: string;
    details?: OllamaModelDetails;
  }>;
}

export interface OllamaShowResponse {
  details?: OllamaModelDetails;
  model_info?: Record<string, unknown>;
  capabilities?: string[];
  parameters?: string;
  template?: string;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string[];
  truncate?: boolean;
  keepAlive?: KeepAlive;
}

export interface OllamaEmbedResult {
  embeddings: number[][];
  promptEvalCount?: number;
}

export interface OllamaChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  /** Ollama runtime options such as `num_ctx`, `num_predict`, `temperature`. */
  options?: Record<string, unknown>;
  think?: boolean;
  keepAlive?: KeepAlive;
}

/** One raw `/api/chat` stream chunk; the final one has `done: true` and the metrics (nanoseconds). */
export interface OllamaChatChunk {
  model?: string;
  created_at?: string;
  message?: { role?: string; content?: string; thinking?: string };
  done?: boolean;
  done_reason?: string;
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
}

export interface OllamaPullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

/** Reads `<arch>.<key>` from `/api/show` model_info, e.g. `nomic-bert.context_length`. */
export function modelInfoNumber(show: OllamaShowResponse, key: string): number | undefined {
  const info = show.model_info ?? {};
  const arch = info["general.architecture"];
  if (typeof arch !== "string") return undefined;
  const value = info[`${arch}.${key}`];
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
}
