import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNdjson } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";
import { type OllamaStandIn, PULLABLE_STAND_IN_MODELS } from "./stand-in/ollama-stand-in.js";

/** What `curl -d '<json>'` sends, as in Ollama's docs/api.md: no JSON content type. */
async function curlD(url: string, body: string) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

describe("the Ollama-compatible API: an unchanged Ollama client asks the documents", () => {
  let ollama: OllamaStandIn;
  let service: IndexedService;
  let client: Ollama;

  beforeAll(async () => {
    service = await startIndexedService();
    ollama = service.ollama;
    client = new Ollama({ host: service.url });
  });

  afterAll(async () => {
    await service?.close();
  });

  it("a follow-up in the messages is searched in its conversation, and the answer says its coverage", async () => {
    ollama.reset();
    const res = await client.chat({
      model: "grounded",
      messages: [
        { role: "user", content: "How often should the kettle be descaled?" },
        {
          role: "assistant",
          content: "Every four weeks, with citric acid. [1]\n\nSources:\n[1] manuals/kettle.md",
        },
        { role: "user", content: "And what do I put in?" },
      ],
    });
    expect(["answered", "partial", "not_covered"]).toContain(
      (res as unknown as { coverage: string }).coverage,
    );
    // The model was given the kettle manual as its first source, found through the conversation.
    const sent = ollama.requestsTo("/api/chat").at(-1)?.body as { messages: Array<{ content: string }> };
    const prompt = sent.messages.at(-1)?.content ?? "";
    expect(prompt).toMatch(/^Sources:\n\n\[1\] manuals\/kettle\.md/);
    expect(prompt).toContain("Question: And what do I put in?");
  });

  it("chat without streaming: a cited answer, a Sources list and machine-readable citations", async () => {
    const res = await client.chat({
      model: "grounded",
      messages: [{ role: "user", content: "When should the tomato beds be watered?" }],
    });
    expect(res.model).toBe("grounded");
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe("stop");
    expect(res.total_duration).toBeGreaterThan(0);
    expect(res.message.role).toBe("assistant");
    const citations = (res as unknown as { citations: Array<Record<string, unknown>> }).citations;
    expect(citations[0]).toMatchObject({ source: "greenhouse.pdf", page: 2 });
    const n = citations[0]?.n;
    expect(res.message.content).toContain("tomato");
    expect(res.message.content).toContain(`[${n}]`);
    expect(res.message.content).toMatch(new RegExp(`\\n\\nSources:\\n\\[${n}\\] greenhouse\\.pdf, page 2$`));
  });

  it("chat streaming: pieces, then a Sources piece, then done with citations", async () => {
    const parts = [];
    for await (const part of await client.chat({
      model: "grounded",
      messages: [{ role: "user", content: "What do I use against aphids on the peppers?" }],
      stream: true,
    })) {
      parts.push(part);
    }
    expect(parts.length).toBeGreaterThan(3);
    const last = parts.at(-1);
    expect(last?.done).toBe(true);
    expect(last?.message.content).toBe("");
    expect(parts.slice(0, -1).every((p) => !p.done && p.model === "grounded")).toBe(true);
    const text = parts.map((p) => p.message.content).join("");
    expect(text).toMatch(/soapy water.*\[\d\]/);
    expect(text).toMatch(/\n\nSources:\n\[\d\] greenhouse\.pdf, page 3$/);
    expect((last as unknown as { citations: unknown[] }).citations[0]).toMatchObject({
      source: "greenhouse.pdf",
      page: 3,
    });
  });

  it("generate, streaming and not, answers the prompt from the documents", async () => {
    const whole = await client.generate({ model: "grounded", prompt: "How long is the warranty?" });
    expect(whole.response).toContain("24 months");
    expect(whole.response).toMatch(
      /Sources:\n\[\d\] manuals\/kettle\.md, section "Kettle K2 manual > Warranty"$/,
    );
    expect(whole.done).toBe(true);

    let text = "";
    let final: Record<string, unknown> | undefined;
    for await (const part of await client.generate({
      model: "grounded",
      prompt: "How long is the warranty?",
      stream: true,
    })) {
      text += part.response;
      if (part.done) final = part as unknown as Record<string, unknown>;
    }
    expect(text).toBe(whole.response);
    expect(final?.done_reason).toBe("stop");
    expect(final?.citations).toEqual((whole as unknown as { citations: unknown }).citations);
  });

  it("list, show, ps and version answer as Ollama does", async () => {
    const list = await client.list();
    expect(list.models.map((m) => m.name)).toEqual(["grounded:latest", "grounded:gemma4:e4b"]);
    expect(list.models[0]?.details.family).toBe("grounded");

    const show = await client.show({ model: "grounded" });
    expect(show.capabilities).toContain("completion");
    expect(show.modelfile).toContain("FROM gemma4:e4b");

    const ps = await client.ps();
    expect(ps.models[0]?.name).toBe("grounded:latest");

    const version = await client.version();
    expect(version.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("an unknown model is a 404 in Ollama's words and shape", async () => {
    await expect(client.show({ model: "llama3.2" })).rejects.toMatchObject({
      status_code: 404,
      error: "model 'llama3.2' not found",
    });
    const res = await curlD(
      `${service.url}/api/chat`,
      JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "hi" }] }),
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model 'llama3.2' not found" });
  });

  it("a conversation reaches Ollama as prior turns; the client's system message and old Sources lists do not", async () => {
    ollama.reset();
    await client.chat({
      model: "grounded",
      messages: [
        { role: "system", content: "You are a pirate." },
        { role: "user", content: "When should the tomato beds be watered?" },
        {
          role: "assistant",
          content: "Every morning before nine [1].\n\nSources:\n[1] greenhouse.pdf, page 2",
        },
        { role: "user", content: "How long is the warranty?" },
      ],
    });
    // First the follow-up's rewrite (src/answer/standalone-question.ts), then the answer.
    const [rewrite, sent] = ollama
      .requestsTo("/api/chat")
      .map((r) => r.body as { messages: Array<{ role: string; content: string }> });
    expect(rewrite?.messages[1]?.content).toBe(
      "Conversation:\nUser: When should the tomato beds be watered?\nAssistant: Every morning before nine.\n\nQuestion: How long is the warranty?",
    );
    if (!sent) throw new Error("the answer was not asked for");
    expect(sent.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent.messages[0]?.content).not.toContain("pirate");
    expect(sent.messages[1]?.content).toBe("When should the tomato beds be watered?");
    expect(sent.messages[2]?.content).toBe("Every morning before nine [1].");
    expect(sent.messages[3]?.content.trimEnd()).toMatch(/Question: How long is the warranty\?$/);
  });

  it("grounded:<chat-model> answers with that Ollama chat model; a missing one is a 404", async () => {
    const llama = PULLABLE_STAND_IN_MODELS.find((m) => m.name === "llama3.2");
    if (!llama) throw new Error("the stand-in has no llama3.2 to pull");
    ollama.reset();
    ollama.models.set("llama3.2:latest", { ...llama });
    const res = await client.chat({
      model: "grounded:llama3.2",
      messages: [{ role: "user", content: "How long is the warranty?" }],
    });
    expect(res.model).toBe("grounded:llama3.2");
    expect(res.message.content).toContain("24 months");
    expect(ollama.requestsTo("/api/chat")[0]?.body).toMatchObject({ model: "llama3.2" });

    await expect(
      client.chat({
        model: "grounded:no-such-model",
        messages: [{ role: "user", content: "How long is the warranty?" }],
      }),
    ).rejects.toMatchObject({ status_code: 404 });
  });

  it("the curl examples of Ollama's docs/api.md work with the model set to grounded", async () => {
    const chat = await curlD(
      `${service.url}/api/chat`,
      '{"model": "grounded", "messages": [{"role": "user", "content": "why is the sky blue?"}]}',
    );
    expect(chat.status).toBe(200);
    expect(chat.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const lines = await readNdjson(chat);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.at(-1)).toMatchObject({
      model: "grounded",
      done: true,
      done_reason: "stop",
      message: { role: "assistant", content: "" },
    });
    expect(lines.slice(0, -1).every((l) => l.done === false && l.message.role === "assistant")).toBe(true);
    expect(
      lines
        .map((l) => l.message.content)
        .join("")
        .trim(),
    ).not.toBe("");

    const generate = await curlD(
      `${service.url}/api/generate`,
      '{"model": "grounded", "prompt": "Why is the sky blue?", "stream": false}',
    );
    expect(generate.status).toBe(200);
    const body = (await generate.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ model: "grounded", done: true, done_reason: "stop" });
    expect(Array.isArray(body.citations)).toBe(true);
    expect(typeof body.response === "string" && body.response.trim() !== "").toBe(true);

    const load = await curlD(`${service.url}/api/chat`, '{"model": "grounded", "messages": []}');
    expect(await load.json()).toMatchObject({ done: true, done_reason: "load", message: { content: "" } });
  });

  it("routes grounded does not implement answer in Ollama's shape, so the client prints a readable message", async () => {
    const embed = await client.embed({ model: "grounded", input: "kettle" }).catch((e: unknown) => e);
    expect(embed).toMatchObject({ status_code: 404 });
    expect(String((embed as Error).message)).toMatch(
      /^grounded does not implement POST \/api\/embed: it answers questions about your documents as the model "grounded" through \/api\/chat and \/api\/generate\. For embeddings, pulls and other model management, talk to Ollama itself at http:/,
    );
    const pull = await client.pull({ model: "bge-m3" }).catch((e: unknown) => e);
    expect((pull as Error).message).toMatch(/^grounded does not implement POST \/api\/pull: /);
    expect((pull as Error).message).not.toContain("[object Object]");
    // A wrong method on an Ollama route: 405 with Allow, still in Ollama's shape.
    const get = await fetch(`${service.url}/api/chat`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(typeof ((await get.json()) as { error: unknown }).error).toBe("string");
    // grounded's own API keeps its own shape.
    const own = await fetch(`${service.url}/api/nothing-here`);
    expect(((await own.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("bad JSON and a missing body are 400s with Ollama's {error} body", async () => {
    const bad = await curlD(`${service.url}/api/chat`, "{not json");
    expect(bad.status).toBe(400);
    expect(typeof ((await bad.json()) as { error: unknown }).error).toBe("string");
    const empty = await curlD(`${service.url}/api/generate`, "");
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "missing request body" });
  });

  it("a model failing mid-stream ends the stream with an {error} line and no done", async () => {
    ollama.reset();
    ollama.failMidStream({ afterChunks: 2, error: "llama runner process has terminated: exit status 2" });
    const res = await curlD(
      `${service.url}/api/chat`,
      JSON.stringify({
        model: "grounded",
        messages: [{ role: "user", content: "How long is the warranty?" }],
      }),
    );
    const lines = await readNdjson(res);
    expect(lines.at(-1)?.error).toMatch(/llama runner process has terminated/);
    expect(lines.some((l) => l.done === true)).toBe(false);
    expect(lines.filter((l) => l.done === false)).toHaveLength(2);
  });

  it("a chat model missing before any output is an HTTP 404, not a broken stream", async () => {
    const chat = ollama.models.get("gemma4:e4b");
    ollama.models.delete("gemma4:e4b");
    try {
      const res = await curlD(
        `${service.url}/api/chat`,
        JSON.stringify({
          model: "grounded",
          messages: [{ role: "user", content: "How long is the warranty?" }],
        }),
      );
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: string }).error).toContain("ollama pull gemma4:e4b");
    } finally {
      if (chat) ollama.models.set("gemma4:e4b", chat);
    }
  });

  it("GET and HEAD / say Ollama is running; a browser is passed on to a web page", async () => {
    const root = await fetch(`${service.url}/`);
    expect(await root.text()).toBe("Ollama is running");
    const head = await fetch(`${service.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const browser = await fetch(`${service.url}/`, {
      headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" },
    });
    expect(await browser.text()).not.toBe("Ollama is running");
  });
});
