import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nextCut, seededRandom } from "./awkward-writer.js";
import { lexicalEmbedding } from "./lexical-embedding.js";
import { DEFAULT_STAND_IN_MODELS, type OllamaStandIn, startOllamaStandIn } from "./ollama-stand-in.js";
import { DONT_KNOW, replyPieces, standInReply } from "./stand-in-reply.js";

/** The stand-in must speak docs/ollama.md's protocol, or every test built on it proves nothing. */
let standIn: OllamaStandIn;
beforeAll(async () => {
  standIn = await startOllamaStandIn({ writeDelayMs: 2 });
});
afterEach(() => standIn.reset());
afterAll(() => standIn.close());

const post = (path: string, body: unknown) =>
  fetch(`${standIn.url}${path}`, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
interface EmbedBody {
  embeddings: number[][];
  prompt_eval_count: number;
}
interface ChatBody {
  done: boolean;
  done_reason: string;
  prompt_eval_count: number;
  message: { content: string };
}
const json = async <T>(res: Response | Promise<Response>): Promise<T> => (await (await res).json()) as T;
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const user = (content: string) => [{ role: "user", content }];

describe("stand-in Ollama: endpoints and errors", () => {
  it("answers GET / and 404s unknown endpoints in plain text", async () => {
    expect(await (await fetch(standIn.url)).text()).toBe("Ollama is running");
    const res = await fetch(`${standIn.url}/api/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("404 page not found");
  });

  it("rejects bad bodies like Ollama does", async () => {
    const bad = await post("/api/chat", "xyz");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid character 'x' looking for beginning of value" });
    const empty = await fetch(`${standIn.url}/api/chat`, { method: "POST" });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "missing request body" });
  });

  it("shows a model by `model` or the old `name`, with limits in model_info", async () => {
    const show = await json<{ model_info: Record<string, unknown>; capabilities: string[] }>(
      post("/api/show", { name: "bge-m3" }),
    );
    expect(show.model_info["general.architecture"]).toBe("xlm-roberta");
    expect(show.model_info["xlm-roberta.context_length"]).toBe(8192);
    expect(show.model_info["xlm-roberta.embedding_length"]).toBe(1024);
    expect(show.capabilities).toEqual(["embedding"]);
    const missing = await post("/api/show", { model: "nope" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "model 'nope' not found" });
  });

  it("embeds a string or a list (empty gives []) and lists the loaded model in /api/ps", async () => {
    const one = await json<EmbedBody>(post("/api/embed", { model: "bge-m3", input: "hi" }));
    expect(one.embeddings).toHaveLength(1);
    const [vector = []] = one.embeddings;
    expect(vector).toHaveLength(1024);
    expect(dot(vector, vector)).toBeCloseTo(1, 9);
    const none = await json<EmbedBody>(post("/api/embed", { model: "bge-m3", input: [] }));
    expect(none.embeddings).toEqual([]);
    const ps = await json<{ models: Array<{ name: string }> }>(fetch(`${standIn.url}/api/ps`));
    expect(ps.models.map((m) => m.name)).toEqual(["bge-m3:latest"]);
  });

  it("returns the documented embed errors", async () => {
    const chat = await post("/api/embed", { model: "gemma4:e4b", input: "x" });
    expect([chat.status, await chat.json()]).toEqual([
      400,
      { error: "this model does not support embeddings" },
    ]);
    const missing = await post("/api/embed", { model: "nope", input: "x" });
    expect([missing.status, await missing.json()]).toEqual([
      404,
      { error: 'model "nope" not found, try pulling it first' },
    ]);
  });

  it("truncates over-long input by default and refuses it with truncate:false", async () => {
    const long = "alpha ".repeat(3000);
    const cut = await json<EmbedBody>(post("/api/embed", { model: "nomic-embed-text", input: long }));
    expect(cut.prompt_eval_count).toBe(2048);
    const refused = await post("/api/embed", { model: "nomic-embed-text", input: long, truncate: false });
    expect(refused.status).toBe(400);
  });

  it("legacy /api/embeddings returns one vector that is not normalised", async () => {
    const res = await json<{ embedding: number[] }>(
      post("/api/embeddings", { model: "bge-m3", prompt: "hello" }),
    );
    expect(res.embedding).toHaveLength(1024);
    expect(dot(res.embedding, res.embedding)).toBeGreaterThan(2);
  });

  it("returns the documented chat errors", async () => {
    const missing = await post("/api/chat", { model: "nope", messages: [] });
    expect([missing.status, await missing.json()]).toEqual([404, { error: "model 'nope' not found" }]);
    const embedding = await post("/api/chat", { model: "bge-m3", messages: [] });
    expect([embedding.status, await embedding.json()]).toEqual([
      400,
      { error: '"bge-m3" does not support chat' },
    ]);
  });

  it("answers stream:false with one final object holding the whole content", async () => {
    const prompt = "[1] Cats sleep a lot. They purr.\n\n[2] Dogs bark.\n\nHow much do cats sleep?";
    const res = await post("/api/chat", { model: "gemma4:e4b", stream: false, messages: user(prompt) });
    const body = await json<ChatBody>(res);
    expect(body).toMatchObject({
      done: true,
      done_reason: "stop",
      message: { content: "Cats sleep a lot. [1]" },
    });
    expect(body.prompt_eval_count).toBeGreaterThan(5);
  });

  it("caps prompt_eval_count at num_ctx and stops at num_predict with done_reason length", async () => {
    const prompt = `[1] Cats sleep a lot.\n\n${"Do cats sleep? ".repeat(200)}`;
    const options = { num_ctx: 64, num_predict: 2 };
    const res = await post("/api/chat", {
      model: "gemma4:e4b",
      stream: false,
      messages: user(prompt),
      options,
    });
    const body = await json<ChatBody>(res);
    expect(body.prompt_eval_count).toBe(64);
    expect(body.done_reason).toBe("length");
    expect(body.message.content).toBe("Cats sleep");
  });

  it("streams NDJSON cut inside UTF-8 characters and across lines", async () => {
    const prompt = "[1] 東京は日本の首都です。\n\n日本の首都は?";
    const res = await post("/api/chat", { model: "gemma4:e4b", messages: user(prompt) });
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const reads: Uint8Array[] = [];
    for await (const read of res.body as unknown as AsyncIterable<Uint8Array>) reads.push(read);
    const strict = new TextDecoder("utf-8", { fatal: true });
    const splitsAChar = reads.some((r) => {
      try {
        strict.decode(r);
        return false;
      } catch {
        return true;
      }
    });
    expect(splitsAChar).toBe(true);
    const text = Buffer.concat(reads).toString("utf8");
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.message.content).join("")).toBe("東京は日本の首都です。 [1]");
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop", message: { content: "" } });
    expect(lines.at(-1).eval_duration).toBeGreaterThan(1000);
  });

  it("pulls with progress, after which the model exists; reset forgets it", async () => {
    const res = await post("/api/pull", { model: "all-minilm" });
    const statuses = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.at(-1)).toBe("success");
    expect((await post("/api/show", { model: "all-minilm" })).status).toBe(200);
    standIn.reset();
    expect((await post("/api/show", { model: "all-minilm" })).status).toBe(404);
  });

  it("records requests and fails the next N on request", async () => {
    standIn.failNext({ path: "/api/embed", status: 503, error: "server busy", count: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await post("/api/embed", { model: "bge-m3", input: "x" })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(standIn.requestsTo("/api/embed").map((r) => r.body)).toEqual(
      Array(3).fill({ model: "bge-m3", input: "x" }),
    );
  });

  it("exports the default models for reuse", () => {
    expect(DEFAULT_STAND_IN_MODELS.map((m) => [m.name, m.kind, m.dims, m.contextLength])).toEqual([
      ["bge-m3", "embedding", 1024, 8192],
      ["nomic-embed-text", "embedding", 768, 2048],
      ["gemma4:e4b", "chat", 2560, 32768],
    ]);
  });
});

describe("stand-in models", () => {
  it("lexical vectors are deterministic, unit length, and closer for shared words and CJK bigrams", () => {
    const q = lexicalEmbedding("How long do cats sleep?");
    expect(lexicalEmbedding("How long do cats sleep?")).toEqual(q);
    expect(dot(q, q)).toBeCloseTo(1, 9);
    expect(dot(q, lexicalEmbedding("Cats sleep sixteen hours a day."))).toBeGreaterThan(
      dot(q, lexicalEmbedding("Dogs bark at strangers.")),
    );
    const ja = lexicalEmbedding("日本の首都");
    expect(dot(ja, lexicalEmbedding("東京は日本の首都です"))).toBeGreaterThan(
      dot(ja, lexicalEmbedding("猫はよく寝る")),
    );
    expect(lexicalEmbedding("x", 16)).toHaveLength(16);
  });

  it("replies from the best-matching source, or says it does not know", () => {
    const prompt = "Sources:\n[1] Dogs bark. Loudly.\n[2] Cats sleep a lot. They purr.\n\nWhy do cats sleep?";
    expect(standInReply(user(prompt))).toBe("Cats sleep a lot. [2]");
    expect(standInReply(user("What is the capital of France?"))).toBe(DONT_KNOW);
    expect(standInReply(user("[1] Dogs bark.\n\nWhat is quantum chromodynamics?"))).toBe(DONT_KNOW);
    expect(replyPieces("東京です。 [2]").join("")).toBe("東京です。 [2]");
  });

  it("reads grounded's own prompt: labelled blocks with paragraphs, then a Question: line", () => {
    const prompt = [
      "Sources:",
      "",
      '[1] pets.md, section "Dogs"',
      "Dogs bark at night.",
      "",
      "Cats are mentioned here but only in passing.",
      "",
      "[2] cats.pdf, page 3",
      "Cats sleep sixteen hours a day. Kittens sleep more.",
      "",
      "Question: How many hours do cats sleep?",
    ].join("\n");
    expect(standInReply(user(prompt))).toBe("Cats sleep sixteen hours a day. [2]");
  });

  it("cuts streams inside multi-byte characters", () => {
    const bytes = new TextEncoder().encode('{"c":"首都"}\n');
    const cut = nextCut(bytes, 0, 1, seededRandom(1));
    expect(bytes[cut - 1]).toBeGreaterThanOrEqual(0xc0);
  });
});
