import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, readNdjson } from "../helpers/app.js";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await sleep(10);
  }
}

const askStream = (url: string, question: string, signal?: AbortSignal) =>
  fetch(`${url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question, stream: true }),
    signal,
  });

/** Ollama failing under a running service: clear 503s, search keeps working, streams end cleanly. */
describe("the service when Ollama fails", () => {
  let ollama: OllamaStandIn;
  let service: IndexedService;
  const question = "How long is the warranty?";

  beforeAll(async () => {
    // Slow stream writes, so a client can hang up while the answer is still coming.
    service = await startIndexedService({
      standIn: { writeDelayMs: 4 },
      env: {
        GROUNDED_RETRY_BASE_MS: "20",
        // One question at a time and none waiting: a slot that leaked would turn the next ask into a 429.
        GROUNDED_CHAT_CONCURRENCY: "1",
        GROUNDED_CHAT_QUEUE: "0",
      },
    });
    ollama = service.ollama;
  });
  afterAll(async () => {
    await service?.close();
  });

  it("a chat model that is not pulled: 503 naming the host and the ollama pull that fixes it", async () => {
    ollama.reset();
    ollama.models.delete("gemma4:e4b:latest");
    ollama.models.delete("gemma4:e4b");
    const r = await postJson(`${service.url}/api/ask`, { question });
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe("model_not_found");
    expect(r.json.error.message).toBe(
      `Ollama at ${ollama.url} does not have the model "gemma4:e4b". Run \`ollama pull gemma4:e4b\` and try again.`,
    );
    const search = await postJson(`${service.url}/api/search`, { query: "warranty" });
    expect(search.status).toBe(200);
    ollama.reset();
    expect((await postJson(`${service.url}/api/ask`, { question })).status).toBe(200);
  });

  it("an error in the middle of a stream ends it with one error event and no done", async () => {
    ollama.reset();
    ollama.failMidStream({ error: "llama runner process has terminated: exit status 2", afterChunks: 2 });
    const res = await askStream(service.url, question);
    expect(res.status).toBe(200);
    const events = await readNdjson(res);
    expect(events[0]?.type).toBe("sources");
    expect(events.filter((e) => e.type === "delta").length).toBeGreaterThan(0);
    const last = events.at(-1) as Record<string, any>;
    expect(last).toEqual({
      type: "error",
      error: {
        code: "ollama_error",
        message: expect.stringMatching(/answered 500: llama runner process has terminated/),
      },
    });
    expect(events.some((e) => e.type === "done")).toBe(false);
  });

  it("the same fault without streaming is a 502 with the reason, and the next ask works", async () => {
    ollama.reset();
    ollama.failMidStream({ error: "llama runner process has terminated: exit status 2" });
    const r = await postJson(`${service.url}/api/ask`, { question });
    expect(r.status).toBe(502);
    expect(r.json.error.message).toMatch(/llama runner process has terminated/);
    expect((await postJson(`${service.url}/api/ask`, { question })).status).toBe(200);
  });

  it("a client that disconnects mid-answer cancels the request to Ollama and frees its slot", async () => {
    ollama.reset();
    const controller = new AbortController();
    const res = await askStream(service.url, question, controller.signal);
    const reader = res.body?.getReader();
    let seen = "";
    while (!seen.includes('"type":"delta"')) {
      const { value, done } = (await reader?.read()) ?? { done: true };
      if (done) throw new Error("stream ended before any delta");
      seen += new TextDecoder().decode(value);
    }
    expect(ollama.requestsTo("/api/chat")).toHaveLength(1);
    expect(ollama.abandoned).toHaveLength(0);
    controller.abort();
    await until(() => ollama.abandoned.some((r) => r.path === "/api/chat"));
    // With one slot and no queue, a slot still held by the cancelled answer would make this a 429.
    const next = await postJson(`${service.url}/api/ask`, { question });
    expect(next.status).toBe(200);
  });

  it("Ollama goes away: asks get 503 with the host, search and the rest keep working, and it recovers", async () => {
    ollama.reset();
    const { url, port } = ollama;
    await ollama.close();

    const ask = await postJson(`${service.url}/api/ask`, { question });
    expect(ask.status).toBe(503);
    expect(ask.json.error.code).toBe("ollama_unavailable");
    expect(ask.json.error.message).toContain(`Cannot reach Ollama at ${url}`);
    expect(ask.json.error.message).toContain("ollama serve");

    const streamed = await readNdjson(await askStream(service.url, question));
    expect(streamed.at(-1)).toMatchObject({ type: "error", error: { code: "ollama_unavailable" } });

    // Search falls back to full-text matching while the embedding model cannot be asked.
    const search = await postJson(`${service.url}/api/search`, { query: "warranty months receipt" });
    expect(search.status).toBe(200);
    expect(search.json.results[0]).toMatchObject({ source: "manuals/kettle.md" });
    const vectorOnly = await postJson(`${service.url}/api/search`, { query: "warranty", mode: "vector" });
    expect(vectorOnly.status).toBe(503);

    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as Record<string, any>).ollama).toMatchObject({ reachable: false });
    expect((await fetch(`${service.url}/api/documents`)).status).toBe(200);

    ollama = await startOllamaStandIn({ port, writeDelayMs: 4 });
    const again = await postJson(`${service.url}/api/ask`, { question });
    expect(again.status).toBe(200);
    expect(again.json.answer).toContain("24 months");
  });
});
