import type { ServerResponse } from "node:http";
import { writeAwkwardly } from "./awkward-writer.js";
import { l2normalise, lexicalEmbedding, roughTokenCount, truncateToTokens } from "./lexical-embedding.js";
import { canonicalName, digestOf, type StandInModel, showPayload } from "./models.js";
import { type ReplyMessage, type ReplyMode, replyPieces, standInReply } from "./stand-in-reply.js";

/** The model endpoints of the stand-in, each answering with Ollama's real statuses and error texts. */
export interface MidStreamFault {
  /** Sent as an `{"error":...}` line; without it the stream just stops before `done`. */
  error?: string;
  /** Content chunks sent before the fault (default 2). */
  afterChunks?: number;
}

export interface HandlerState {
  models: Map<string, StandInModel>;
  pullable: Map<string, StandInModel>;
  /** Canonical name → time (ms) until which the model counts as loaded, for /api/ps. */
  loaded: Map<string, number>;
  perInputDelayMs: number;
  writeDelayMs: number;
  replyMode: ReplyMode;
  /** When set and it returns text, the chat model's reply instead of the source-quoting answer. */
  reply: ((messages: ReplyMessage[]) => string | undefined) | undefined;
  /** Extra wait before a chat's first byte, like a model reading its prompt. */
  chatDelayMs: number;
  takeMidStreamFault(): MidStreamFault | undefined;
  nextSeed(): number;
}

type Body = Record<string, unknown>;

export function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(payload));
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (n: number) => Math.round(n * 1_000_000); // Ollama reports durations in nanoseconds.
const KEEP_LOADED_MS = 5 * 60_000;

function modelName(body: Body): string {
  const name = body.model ?? body.name;
  return typeof name === "string" ? name.trim() : "";
}

async function streamLines(state: HandlerState, res: ServerResponse, lines: unknown[]): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  const bytes = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(""), "utf8");
  await writeAwkwardly(res, bytes, { seed: state.nextSeed(), delayMs: state.writeDelayMs });
  res.end();
}

export function handleShow(state: HandlerState, body: Body, res: ServerResponse): void {
  const name = modelName(body);
  const model = name ? state.models.get(canonicalName(name)) : undefined;
  if (!name) sendError(res, 400, "model is required");
  else if (!model) sendError(res, 404, `model '${name}' not found`);
  else sendJson(res, 200, showPayload(model));
}

function embeddingModel(state: HandlerState, name: string, res: ServerResponse): StandInModel | undefined {
  const model = name ? state.models.get(canonicalName(name)) : undefined;
  if (!name) sendError(res, 400, "model is required");
  else if (!model) sendError(res, 404, `model "${name}" not found, try pulling it first`);
  else if (model.kind !== "embedding") sendError(res, 400, "this model does not support embeddings");
  else {
    state.loaded.set(canonicalName(name), Date.now() + KEEP_LOADED_MS);
    return model;
  }
  return undefined;
}

export async function handleEmbed(state: HandlerState, body: Body, res: ServerResponse): Promise<void> {
  const name = modelName(body);
  const model = embeddingModel(state, name, res);
  if (!model) return;
  const raw = body.input;
  const inputs = raw === undefined || raw === "" ? [] : typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(inputs) || !inputs.every((x) => typeof x === "string")) {
    return sendError(res, 400, "invalid input type");
  }
  const context = model.contextLength ?? 2048;
  const texts: string[] = [];
  let promptTokens = 0;
  for (const input of inputs) {
    const tokens = roughTokenCount(input);
    if (tokens > context && body.truncate === false) {
      return sendError(res, 400, "the input length exceeds the context length");
    }
    texts.push(tokens > context ? truncateToTokens(input, context) : input);
    promptTokens += Math.min(tokens, context);
  }
  // Ollama embeds a batch one input after another and sends no header until all are done (pitfall 4).
  await sleep(state.perInputDelayMs * texts.length);
  const dimensions = typeof body.dimensions === "number" && body.dimensions > 0 ? body.dimensions : undefined;
  const embeddings = texts.map((text) => {
    const vector = lexicalEmbedding(text, model.dims ?? 768);
    return dimensions ? l2normalise(vector.slice(0, dimensions)) : vector;
  });
  sendJson(res, 200, {
    model: name,
    embeddings,
    total_duration: ms(5 + texts.length),
    load_duration: ms(1),
    prompt_eval_count: promptTokens,
  });
}

/** The legacy endpoint: one prompt, and a vector that is NOT normalised (unlike /api/embed). */
export function handleLegacyEmbeddings(state: HandlerState, body: Body, res: ServerResponse): void {
  const model = embeddingModel(state, modelName(body), res);
  if (!model) return;
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const embedding = prompt === "" ? [] : lexicalEmbedding(prompt, model.dims ?? 768).map((x) => x * 3.7);
  sendJson(res, 200, { embedding });
}

function isMessage(m: unknown): m is ReplyMessage {
  return typeof m === "object" && m !== null && typeof (m as ReplyMessage).content === "string";
}

export async function handleChat(state: HandlerState, body: Body, res: ServerResponse): Promise<void> {
  const name = modelName(body);
  if (!name) return sendError(res, 400, "model is required");
  const model = state.models.get(canonicalName(name));
  if (!model) return sendError(res, 404, `model '${name}' not found`);
  if (model.kind !== "chat") return sendError(res, 400, `"${name}" does not support chat`);
  if (body.think === true && !model.thinking)
    return sendError(res, 400, `"${name}" does not support thinking`);
  state.loaded.set(canonicalName(name), Date.now() + KEEP_LOADED_MS);

  const messages = Array.isArray(body.messages) ? body.messages.filter(isMessage) : [];
  const options = (typeof body.options === "object" && body.options !== null ? body.options : {}) as Body;
  const numCtx = typeof options.num_ctx === "number" ? options.num_ctx : 4096;
  const numPredict =
    typeof options.num_predict === "number" && options.num_predict >= 0 ? options.num_predict : 1e9;
  // Recent Ollama versions think by default; thinking spends the num_predict budget first (pitfall 6).
  const thinking =
    model.thinking && body.think !== false ? replyPieces("Let me read the sources first.") : [];
  if (state.chatDelayMs > 0) await sleep(state.chatDelayMs);
  const answer = replyPieces(state.reply?.(messages) ?? standInReply(messages, state.replyMode));
  const budget = Math.max(0, numPredict - thinking.length);
  const pieces = answer.slice(0, budget);
  const promptTokens = Math.min(
    numCtx,
    messages.reduce((n, m) => n + 4 + roughTokenCount(m.content), 0),
  );
  const chunk = (message: Body) => ({
    model: name,
    created_at: new Date().toISOString(),
    message: { role: "assistant", ...message },
    done: false,
  });
  const chunks: unknown[] = [
    ...thinking.map((t) => chunk({ content: "", thinking: t })),
    ...pieces.map((p) => chunk({ content: p })),
  ];
  const final = {
    ...chunk({ content: "" }),
    done: true,
    done_reason: pieces.length < answer.length ? "length" : "stop",
    total_duration: ms(20 + pieces.length),
    load_duration: ms(2),
    prompt_eval_count: promptTokens,
    prompt_eval_duration: ms(5),
    eval_count: thinking.length + pieces.length,
    eval_duration: ms(10 + pieces.length),
  };
  if (body.stream === false) {
    const whole = thinking.length > 0 ? { thinking: thinking.join("") } : {};
    return sendJson(res, 200, {
      ...final,
      message: { role: "assistant", content: pieces.join(""), ...whole },
    });
  }
  const fault = state.takeMidStreamFault();
  if (!fault) return streamLines(state, res, [...chunks, final]);
  const cut = chunks.slice(0, fault.afterChunks ?? 2);
  await streamLines(state, res, fault.error === undefined ? cut : [...cut, { error: fault.error }]);
}

export async function handlePull(state: HandlerState, body: Body, res: ServerResponse): Promise<void> {
  const name = modelName(body);
  if (!name) return sendError(res, 400, "model is required");
  const key = canonicalName(name);
  const model = state.models.get(key) ?? state.pullable.get(key);
  const missing = "pull model manifest: file does not exist";
  if (body.stream === false) {
    if (!model) return sendError(res, 500, missing);
    state.models.set(key, model);
    return sendJson(res, 200, { status: "success" });
  }
  if (!model) return streamLines(state, res, [{ status: "pulling manifest" }, { error: missing }]);
  const digest = `sha256:${digestOf(model)}`;
  const total = model.kind === "embedding" ? 1_157_672_605 : 9_608_350_718;
  // Registered before the last line goes out: once a client has read "success" the model must exist.
  state.models.set(key, model);
  await streamLines(state, res, [
    { status: "pulling manifest" },
    ...[0, 0.5, 1].map((f) => ({
      status: `pulling ${digest.slice(7, 19)}`,
      digest,
      total,
      completed: Math.round(total * f),
    })),
    { status: "verifying sha256 digest" },
    { status: "writing manifest" },
    { status: "success" },
  ]);
}
