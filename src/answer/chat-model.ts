/** The one interface the answerer talks to; only src/answer/ollama-chat-model.ts knows it is Ollama. */
export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequestOptions {
  signal?: AbortSignal;
  /** Context window to request (Ollama `options.num_ctx`). */
  numCtx?: number;
  /** The most tokens to generate (Ollama `options.num_predict`); default: no limit. */
  numPredict?: number;
  /** Ollama `options.temperature`; default: the model's own. */
  temperature?: number;
  think?: boolean;
}

export type ChatEvent =
  | { type: "delta"; content: string }
  | { type: "done"; doneReason?: string; promptEvalCount?: number; evalCount?: number };

export interface ChatModel {
  readonly model: string;
  /** The model's context length in tokens (from /api/show), cached after the first call. */
  contextLength(signal?: AbortSignal): Promise<number>;
  /**
   * The num_ctx of the last request sent, if any. Ollama reloads a model whose num_ctx changes, so a short
   * side request (a rewrite) sends the same one as the answers around it.
   */
  lastNumCtx(): number | undefined;
  /** Streams the answer; throws a GroundedError before or during the stream. */
  chat(messages: ChatMessage[], options?: ChatRequestOptions): AsyncIterable<ChatEvent>;
}
