import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, startService } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";
import type { OllamaStandIn } from "./stand-in/ollama-stand-in.js";

type WithCitations = { citations: Array<Record<string, unknown>> };

describe("the OpenAI-compatible API: an unchanged OpenAI client asks the documents", () => {
  let ollama: OllamaStandIn;
  let env: Record<string, string>;
  let service: IndexedService;
  let client: OpenAI;

  beforeAll(async () => {
    service = await startIndexedService();
    ({ ollama, env } = service);
    client = new OpenAI({ baseURL: `${service.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });

  afterAll(async () => {
    await service?.close();
  });

  it("a chat completion: a cited answer with a Sources list, citations and usage", async () => {
    const res = await client.chat.completions.create({
      model: "grounded",
      messages: [
        { role: "system", content: "You are concise." },
        { role: "user", content: "When should the tomato beds be watered?" },
      ],
    });
    expect(res.object).toBe("chat.completion");
    expect(res.model).toBe("grounded");
    expect(res.id).toMatch(/^chatcmpl-/);
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe("stop");
    expect(choice?.message.role).toBe("assistant");
    const citations = (res as unknown as WithCitations).citations;
    expect(citations[0]).toMatchObject({ source: "greenhouse.pdf", page: 2 });
    expect(choice?.message.content).toContain("tomato");
    expect(choice?.message.content).toMatch(
      new RegExp(`\\n\\nSources:\\n\\[${citations[0]?.n}\\] greenhouse\\.pdf, page 2$`),
    );
    expect(res.usage?.completion_tokens).toBeGreaterThan(0);
    expect(res.usage?.total_tokens).toBe(
      (res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0),
    );
  });

  it("streams chat.completion.chunk events that add up to the same answer", async () => {
    const question = { role: "user" as const, content: "What do I use against aphids on the peppers?" };
    const whole = await client.chat.completions.create({ model: "grounded", messages: [question] });
    const stream = await client.chat.completions.create({
      model: "grounded",
      messages: [question],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text.trim()).toBe(whole.choices[0]?.message.content);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason === "stop");
    expect((finish as unknown as WithCitations).citations[0]).toMatchObject({
      source: "greenhouse.pdf",
      page: 3,
    });
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("the raw stream is server-sent events ending with data: [DONE]", async () => {
    const res = await fetch(`${service.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "grounded",
        stream: true,
        messages: [{ role: "user", content: "How long is the warranty?" }],
      }),
    });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = (await res.text()).split("\n\n").filter(Boolean);
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
  });

  it("models.list() offers grounded and grounded:<chat model>", async () => {
    const ids = [];
    for await (const model of client.models.list()) {
      expect(model).toMatchObject({ object: "model", owned_by: "grounded" });
      ids.push(model.id);
    }
    expect(ids).toEqual(["grounded:latest", "grounded:gemma4:e4b"]);
    expect((await client.models.retrieve("grounded")).id).toBe("grounded");
  });

  it("errors come in OpenAI's shape: unknown model 404, no user message 400", async () => {
    await expect(
      client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] }),
    ).rejects.toMatchObject({
      status: 404,
      error: { message: "model 'gpt-4o' not found", type: "not_found_error", code: "model_not_found" },
    });
    const r = await postJson(`${service.url}/v1/chat/completions`, {
      model: "grounded",
      messages: [{ role: "system", content: "hi" }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_request" });
    expect(r.json.error.message).toMatch(/user message/);
  });

  it("a model failing mid-stream ends with an error event the SDK raises, and no [DONE]", async () => {
    ollama.reset();
    ollama.failMidStream({ afterChunks: 2, error: "llama runner process has terminated: exit status 2" });
    const stream = await client.chat.completions.create({
      model: "grounded",
      stream: true,
      messages: [{ role: "user", content: "How long is the warranty?" }],
    });
    const read = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow(/llama runner process has terminated/);
  });

  it("routes grounded does not implement answer in OpenAI's shape, so the SDK has a readable message", async () => {
    const e = await client.embeddings.create({ model: "grounded", input: "kettle" }).catch((x: unknown) => x);
    expect(e).toMatchObject({
      status: 404,
      error: { type: "not_found_error", code: "not_found" },
    });
    expect((e as Error).message).toMatch(
      /grounded does not implement POST \/v1\/embeddings: it answers questions about your documents as the model "grounded" through \/v1\/chat\/completions/,
    );
    const raw = await fetch(`${service.url}/v1/embeddings`, { method: "POST", body: "{}" });
    const body = (await raw.json()) as { error: { message: unknown; type: unknown; code: unknown } };
    expect(typeof body.error.message).toBe("string");
    expect(body.error.type).toBe("not_found_error");
  });

  it("with GROUNDED_API_KEY set, /v1 needs the bearer token and says so in OpenAI's shape", async () => {
    const locked = await startService({ ...env, GROUNDED_API_KEY: "s3cret" });
    try {
      const wrong = new OpenAI({ baseURL: `${locked.url}/v1`, apiKey: "nope", maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({
        status: 401,
        error: { type: "authentication_error", code: "invalid_api_key" },
      });
      const right = new OpenAI({ baseURL: `${locked.url}/v1`, apiKey: "s3cret", maxRetries: 0 });
      const res = await right.chat.completions.create({
        model: "grounded",
        messages: [{ role: "user", content: "How long is the warranty?" }],
      });
      expect(res.choices[0]?.message.content).toContain("24 months");
    } finally {
      await locked.close();
    }
  });
});
