import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChatEvent } from "../src/answer/chat-model.js";
import { createOllamaChatModel } from "../src/answer/ollama-chat-model.js";
import { createOllamaEmbedder } from "../src/embedding/ollama-embedder.js";
import { embedModelFamily, embedPrefixes } from "../src/embedding/presets.js";
import {
  GroundedError,
  ModelNotFoundError,
  OllamaError,
  OllamaTimeoutError,
  OllamaUnavailableError,
} from "../src/errors.js";
import { createOllamaClient } from "../src/ollama/client.js";
import { modelInfoNumber } from "../src/ollama/wire.js";
import { closedPortUrl } from "./helpers/closed-port.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

let standIn: OllamaStandIn;
beforeAll(async () => {
  standIn = await startOllamaStandIn();
});
afterEach(() => standIn.reset());
afterAll(() => standIn.close());

const client = (timeoutMs = 5000) => createOllamaClient({ host: standIn.url, timeoutMs });
const embedder = (model: string, extra: { retries?: number; retryBaseMs?: number } = {}) =>
  createOllamaEmbedder({ client: client(), model, host: standIn.url, retries: 3, retryBaseMs: 1, ...extra });
const chatModel = (model = "gemma4:e4b") =>
  createOllamaChatModel({ client: client(), model, host: standIn.url });

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Runs the stream to its end or error, keeping what arrived before a failure. */
async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

const deltas = (events: ChatEvent[]) =>
  events.flatMap((e) => (e.type === "delta" ? [e.content] : [])).join("");

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

const PROMPT_JA = [
  "Answer only from the sources and cite them.",
  "",
  "[1] Cats sleep for most of the day. They are crepuscular.",
  "",
  "[2] 東京は日本の首都です。人口は約1400万人です。",
  "",
  "Question: 日本の首都はどこですか?",
].join("\n");

describe("Ollama client: plain calls", () => {
  it("reads version, tags and show", async () => {
    const c = client();
    expect((await c.version()).version).toMatch(/^\d+\.\d+\.\d+$/);
    const names = (await c.tags()).models.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["bge-m3:latest", "nomic-embed-text:latest", "gemma4:e4b"]));
    const show = await c.show("nomic-embed-text");
    expect(modelInfoNumber(show, "context_length")).toBe(2048);
    expect(modelInfoNumber(show, "embedding_length")).toBe(768);
    expect(standIn.requestsTo("/api/show")[0]?.body).toEqual({ model: "nomic-embed-text" });
  });

  it("pulls a model with progress, after which the model exists", async () => {
    const progress = await collect(client().pull("all-minilm"));
    expect(progress.at(-1)?.status).toBe("success");
    expect(progress.some((p) => typeof p.completed === "number" && p.total === p.completed)).toBe(true);
    expect((await client().tags()).models.map((m) => m.name)).toContain("all-minilm:latest");
  });

  it("reports a failed pull (error line in the stream) as OllamaError", async () => {
    const { error } = await drain(client().pull("no-such-model"));
    expect(error).toBeInstanceOf(OllamaError);
    expect((error as Error).message).toContain("file does not exist");
  });

  it("sends truncate:false and surfaces the 400 for over-long input", async () => {
    const long = "word ".repeat(3000);
    const err = await client()
      .embed({ model: "nomic-embed-text", input: [long], truncate: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as OllamaError).upstreamStatus).toBe(400);
    expect((err as Error).message).toContain("exceeds the context length");
    expect(standIn.requestsTo("/api/embed")[0]?.body).toMatchObject({ truncate: false });
  });
});

describe("embedding task prefixes", () => {
  it.each([
    ["nomic-embed-text", "search_document: ", "search_query: "],
    ["nomic-embed-text:v1.5", "search_document: ", "search_query: "],
    ["library/nomic-embed-text:latest", "search_document: ", "search_query: "],
    ["mxbai-embed-large:335m", "", "Represent this sentence for searching relevant passages: "],
    ["embeddinggemma", "title: none | text: ", "task: search result | query: "],
    [
      "hf.co/Qwen/Qwen3-Embedding-0.6B-GGUF:Q8_0",
      "",
      "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
    ],
    [
      "qwen3-embedding:8b",
      "",
      "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: ",
    ],
    ["bge-m3", "", ""],
    ["all-minilm:l6-v2", "", ""],
    ["some-unknown-embedder", "", ""],
    ["nomic-embed-textual", "", ""],
  ])("%s", (model, document, query) => {
    expect(embedPrefixes(model)).toEqual({ document, query });
  });

  it("names the family without tag or namespace", () => {
    expect(embedModelFamily("hf.co/user/Nomic-Embed-Text:Q4")).toBe("nomic-embed-text");
  });
});

describe("Ollama embedder", () => {
  it("reads dimensions and context length from /api/show once", async () => {
    const e = embedder("bge-m3");
    expect(await e.info()).toEqual({ model: "bge-m3", dimensions: 1024, contextLength: 8192 });
    await e.info();
    expect(standIn.requestsTo("/api/show")).toHaveLength(1);
    expect(e.kind).toBe("ollama");
  });

  it("probes the dimensions and assumes 512 tokens when /api/show lacks them", async () => {
    standIn.models.set("odd-embed:latest", {
      name: "odd-embed",
      kind: "embedding",
      dims: 384,
      hideInShow: ["context_length", "embedding_length"],
    });
    expect(await embedder("odd-embed").info()).toEqual({
      model: "odd-embed",
      dimensions: 384,
      contextLength: 512,
    });
    expect(standIn.requestsTo("/api/embed")).toHaveLength(1);
  });

  it("sends a whole batch in ONE request with the document prefix, and returns unit vectors in order", async () => {
    const texts = ["Cats sleep a lot.", "Dogs bark.", "東京は日本の首都です。"];
    const vectors = await embedder("nomic-embed-text").embed(texts, { role: "document" });
    const sent = standIn.requestsTo("/api/embed");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({
      model: "nomic-embed-text",
      input: texts.map((t) => `search_document: ${t}`),
    });
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(768);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    const [query] = await embedder("nomic-embed-text").embed(["Do cats sleep?"], { role: "query" });
    expect(standIn.requestsTo("/api/embed")[1]?.body).toMatchObject({
      input: ["search_query: Do cats sleep?"],
    });
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
    expect(dot(query as Float32Array, vectors[0] as Float32Array)).toBeGreaterThan(
      dot(query as Float32Array, vectors[1] as Float32Array),
    );
  });

  it("adds no prefix for bge-m3 and passes keep_alive", async () => {
    const e = createOllamaEmbedder({
      client: client(),
      model: "bge-m3",
      host: standIn.url,
      keepAlive: "30m",
    });
    await e.embed(["plain"], { role: "query" });
    expect(standIn.requestsTo("/api/embed")[0]?.body).toEqual({
      model: "bge-m3",
      input: ["plain"],
      keep_alive: "30m",
    });
  });

  it("returns [] for no texts without asking Ollama", async () => {
    expect(await embedder("bge-m3").embed([], { role: "document" })).toEqual([]);
    expect(standIn.requests).toHaveLength(0);
  });

  it("rejects a response with a vector missing", async () => {
    const dropOne: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const body = (await res.json()) as { embeddings: number[][] };
      return Response.json({ ...body, embeddings: body.embeddings.slice(1) });
    };
    const c = createOllamaClient({ host: standIn.url, timeoutMs: 5000, fetch: dropOne });
    const e = createOllamaEmbedder({ client: c, model: "bge-m3", host: standIn.url, retries: 0 });
    const err = await e.embed(["a", "b"], { role: "document" }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as Error).message).toContain("1 vectors for 2 inputs");
  });

  it("retries 503 (busy) and 500 (runner crash) and then succeeds", async () => {
    standIn.failNext({
      path: "/api/embed",
      status: 503,
      error: "server busy, please try again.  maximum pending requests exceeded",
      count: 2,
    });
    standIn.failNext({
      path: "/api/embed",
      status: 500,
      error: "llama runner process has terminated: exit status 2",
    });
    const vectors = await embedder("bge-m3").embed(["x"], { role: "document" });
    expect(vectors).toHaveLength(1);
    expect(standIn.requestsTo("/api/embed")).toHaveLength(4);
  });

  it("gives up after the configured retries with the last OllamaError", async () => {
    standIn.failNext({ path: "/api/embed", status: 503, error: "server busy", count: 10 });
    const err = await embedder("bge-m3", { retries: 2 })
      .embed(["x"], { role: "document" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as OllamaError).upstreamStatus).toBe(503);
    expect((err as OllamaError).code).toBe("ollama_busy");
    expect(standIn.requestsTo("/api/embed")).toHaveLength(3);
  });

  it("does not retry a model that is not pulled, and says how to pull it", async () => {
    const err = await embedder("mxbai-embed-large")
      .embed(["x"], { role: "document" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as Error).message).toContain("`ollama pull mxbai-embed-large`");
    expect((err as ModelNotFoundError).model).toBe("mxbai-embed-large");
    expect(standIn.requestsTo("/api/embed")).toHaveLength(1);
  });

  it("does not retry a 400 (chat model used for embeddings)", async () => {
    const err = await embedder("gemma4:e4b")
      .embed(["x"], { role: "document" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as OllamaError).upstreamStatus).toBe(400);
    expect((err as Error).message).toContain("does not support embeddings");
    expect(standIn.requestsTo("/api/embed")).toHaveLength(1);
  });

  it("treats a plain-text 404 (endpoint missing in an old Ollama) as OllamaError, not a missing model", async () => {
    standIn.failNext({ path: "/api/embed", status: 404, text: "404 page not found", count: 5 });
    const err = await embedder("bge-m3")
      .embed(["x"], { role: "document" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect(err).not.toBeInstanceOf(ModelNotFoundError);
    expect((err as OllamaError).upstreamStatus).toBe(404);
    expect((err as Error).message).toMatch(/too old/);
  });

  it("stops retrying at once when the caller aborts during the backoff", async () => {
    standIn.failNext({ path: "/api/embed", status: 503, error: "server busy", count: 10 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await embedder("bge-m3", { retries: 5, retryBaseMs: 60_000 })
      .embed(["x"], { role: "document", signal: controller.signal })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(standIn.requestsTo("/api/embed")).toHaveLength(1);
  });
});

describe("Ollama chat model", () => {
  it("reassembles a CJK answer streamed in awkward byte pieces", async () => {
    const events = await collect(chatModel().chat([{ role: "user", content: PROMPT_JA }], { numCtx: 8192 }));
    expect(deltas(events)).toBe("東京は日本の首都です。 [2]");
    expect(events.filter((e) => e.type === "delta").length).toBeGreaterThan(5);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: "done", doneReason: "stop" });
    expect(done?.type === "done" && done.promptEvalCount).toBeGreaterThan(10);
    expect(done?.type === "done" && done.evalCount).toBeGreaterThan(5);
    expect(standIn.requestsTo("/api/chat")[0]?.body).toMatchObject({
      model: "gemma4:e4b",
      stream: true,
      think: false,
      options: { num_ctx: 8192 },
    });
  });

  it("sends no options without numCtx, and leaves thinking text out of the answer", async () => {
    standIn.models.set("qwen3:latest", {
      name: "qwen3",
      kind: "chat",
      thinking: true,
      architecture: "qwen3",
    });
    const prompt = "[1] Cats sleep for most of the day.\n\nHow long do cats sleep?";
    const events = await collect(
      chatModel("qwen3").chat([{ role: "user", content: prompt }], { think: true }),
    );
    expect(deltas(events)).toBe("Cats sleep for most of the day. [1]");
    const body = standIn.requestsTo("/api/chat")[0]?.body as Record<string, unknown>;
    expect(body.think).toBe(true);
    expect(body).not.toHaveProperty("options");
  });

  it("reads the context length from /api/show once, defaulting to 4096", async () => {
    const m = chatModel();
    expect(await m.contextLength()).toBe(32768);
    expect(await m.contextLength()).toBe(32768);
    expect(standIn.requestsTo("/api/show")).toHaveLength(1);
    standIn.models.set("bare:latest", { name: "bare", kind: "chat", hideInShow: ["context_length"] });
    expect(await chatModel("bare").contextLength()).toBe(4096);
  });

  it("turns an error status before the first chunk into a typed error", async () => {
    standIn.failNext({
      path: "/api/chat",
      status: 500,
      error: "llama runner process has terminated: exit status 2",
    });
    const { items, error } = await drain(chatModel().chat([{ role: "user", content: PROMPT_JA }]));
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(OllamaError);
    expect((error as OllamaError).upstreamStatus).toBe(500);
    expect((error as Error).message).toContain("llama runner process has terminated");
  });

  it("throws OllamaError from the iterator for an error line mid-stream", async () => {
    standIn.failMidStream({ error: "llama runner process has terminated: signal: killed", afterChunks: 3 });
    const { items, error } = await drain(chatModel().chat([{ role: "user", content: PROMPT_JA }]));
    expect(items.map((e) => e.type)).toEqual(["delta", "delta", "delta"]);
    expect(error).toBeInstanceOf(OllamaError);
    expect((error as OllamaError).upstreamStatus).toBe(500);
    expect((error as Error).message).toContain("signal: killed");
  });

  it("throws OllamaError when the stream ends without done:true", async () => {
    standIn.failMidStream({ afterChunks: 2 });
    const { items, error } = await drain(chatModel().chat([{ role: "user", content: PROMPT_JA }]));
    expect(items).toHaveLength(2);
    expect(error).toBeInstanceOf(OllamaError);
    expect((error as Error).message).toContain("without a final `done`");
  });

  it("throws ModelNotFoundError naming `ollama pull` for a chat model that is not pulled", async () => {
    const { error } = await drain(chatModel("llama3.2").chat([{ role: "user", content: "hi" }]));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toContain("`ollama pull llama3.2`");
  });
});

describe("Ollama client: connection, timeout, cancellation", () => {
  it("reports a closed port as OllamaUnavailableError naming the host", async () => {
    const host = await closedPortUrl();
    const err = await createOllamaClient({ host, timeoutMs: 5000 })
      .version()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaUnavailableError);
    expect((err as OllamaUnavailableError).host).toBe(host);
    expect((err as Error).message).toContain(host);
    expect((err as GroundedError).status).toBe(503);
  });

  it("retries an unreachable Ollama in the embedder, then reports it", async () => {
    const c = createOllamaClient({ host: await closedPortUrl(), timeoutMs: 2000 });
    let calls = 0;
    const counting = {
      ...c,
      embed: (...args: Parameters<typeof c.embed>) => {
        calls++;
        return c.embed(...args);
      },
    };
    const e = createOllamaEmbedder({
      client: counting,
      model: "bge-m3",
      host: c.host,
      retries: 2,
      retryBaseMs: 1,
    });
    await expect(e.embed(["x"], { role: "document" })).rejects.toBeInstanceOf(OllamaUnavailableError);
    expect(calls).toBe(3);
  });

  it("lets a slow stream run longer than the timeout as long as chunks keep coming", async () => {
    // Chunks 50 ms apart for well over a second against a 1 s timeout: the whole stream outlasts the timeout,
    // no gap comes near it (margins wide enough for a busy machine).
    const slow = await startOllamaStandIn({ writeDelayMs: 50 });
    try {
      const m = createOllamaChatModel({
        client: createOllamaClient({ host: slow.url, timeoutMs: 1000 }),
        model: "gemma4:e4b",
        host: slow.url,
      });
      const started = Date.now();
      const prompt = "[1] Cats sleep for most of the day.\n\nHow long do cats sleep?";
      const events = await collect(m.chat([{ role: "user", content: prompt }]));
      expect(Date.now() - started).toBeGreaterThan(1000);
      expect(deltas(events)).toBe("Cats sleep for most of the day. [1]");
    } finally {
      await slow.close();
    }
  });

  it("gives up on a silent Ollama with OllamaTimeoutError", async () => {
    standIn.hang = true;
    const started = Date.now();
    const err = await client(200)
      .show("bge-m3")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaTimeoutError);
    expect((err as GroundedError).code).toBe("ollama_timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("times out a chat stream that never sends headers", async () => {
    standIn.hang = true;
    const m = createOllamaChatModel({ client: client(200), model: "gemma4:e4b", host: standIn.url });
    const { error } = await drain(m.chat([{ role: "user", content: "hi" }]));
    expect(error).toBeInstanceOf(OllamaTimeoutError);
  });

  it("passes a caller's abort through as an AbortError, not an Ollama error", async () => {
    standIn.hang = true;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const err = await client()
      .embed({ model: "bge-m3", input: ["x"] }, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe("AbortError");
    expect(err).not.toBeInstanceOf(GroundedError);
  });

  it("cancels a chat stream in the middle when the caller aborts", async () => {
    const slow = await startOllamaStandIn({ writeDelayMs: 30 });
    try {
      const controller = new AbortController();
      const m = createOllamaChatModel({
        client: createOllamaClient({ host: slow.url, timeoutMs: 5000 }),
        model: "gemma4:e4b",
        host: slow.url,
      });
      const seen: ChatEvent[] = [];
      const run = async () => {
        for await (const event of m.chat([{ role: "user", content: PROMPT_JA }], {
          signal: controller.signal,
        })) {
          seen.push(event);
          controller.abort();
        }
      };
      const err = await run().catch((e: unknown) => e);
      expect((err as Error).name).toBe("AbortError");
      expect(seen).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
