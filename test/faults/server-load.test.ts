import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/app.js";
import { spawnIngest, until } from "../helpers/child-ingest.js";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { PULLABLE_STAND_IN_MODELS } from "../stand-in/models.js";
import type { OllamaStandIn } from "../stand-in/ollama-stand-in.js";

const CONCURRENCY = 2;
const QUEUE = 4;

/** Many questions at once against a slow model: a bounded queue, 429 past it, search unaffected. */
describe("load", () => {
  let ollama: OllamaStandIn;
  let service: IndexedService;
  let env: Record<string, string>;
  const question = "How long is the warranty?";

  beforeAll(async () => {
    // Slow stream writes: each answer takes a few hundred milliseconds, like a model on a small machine.
    service = await startIndexedService({
      standIn: { writeDelayMs: 2 },
      env: { GROUNDED_CHAT_CONCURRENCY: String(CONCURRENCY), GROUNDED_CHAT_QUEUE: String(QUEUE) },
    });
    ({ ollama, env } = service);
  });
  afterAll(async () => {
    await service?.close();
  });

  it("50 concurrent asks: a bounded number reach the model, the rest get 429 with Retry-After, none fail", async () => {
    ollama.reset();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => postJson(`${service.url}/api/ask`, { question })),
    );
    const statuses = results.map((r) => r.status);
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 429);
    expect(ok.length + busy.length, `statuses: ${statuses.join(",")}`).toBe(50);
    // The slots and the queue are served; a slot freed while the last asks still arrive may take one more.
    expect(ok.length).toBeGreaterThanOrEqual(CONCURRENCY + QUEUE);
    expect(ok.length).toBeLessThanOrEqual(CONCURRENCY + QUEUE + 2);
    for (const r of busy) {
      expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(r.json.error.code).toBe("busy");
      expect(r.json.error.message).toMatch(/Too many questions are waiting.*Try again in \d+ s/);
    }
    for (const r of ok) expect(r.json.answer).toContain("24 months");
    // Refused asks never reached the model: one chat request per answered question.
    expect(ollama.requestsTo("/api/chat")).toHaveLength(ok.length);
    console.log(
      `load: 50 asks → ${ok.length} answered, ${busy.length} refused with 429 in ${Math.round(performance.now() - started)} ms`,
    );
  });

  it("questions to another chat model (grounded:<model>) wait in the same queue: one limit for all answers", async () => {
    ollama.reset();
    const llama = PULLABLE_STAND_IN_MODELS.find((m) => m.name === "llama3.2");
    if (!llama) throw new Error("the stand-in has no llama3.2");
    ollama.models.set("llama3.2:latest", { ...llama });
    // Alternating, so both kinds arrive while the slots are taken.
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? postJson(`${service.url}/api/ask`, { question })
          : postJson(`${service.url}/api/chat`, {
              model: "grounded:llama3.2",
              stream: false,
              messages: [{ role: "user", content: question }],
            }),
      ),
    );
    const answered = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429 || r.status === 503);
    expect(answered.length + refused.length).toBe(40);
    // Two limiters would let 2 × (slots + queue) through; one lets slots + queue (and a slot freed meanwhile).
    expect(answered.length).toBeGreaterThanOrEqual(CONCURRENCY + QUEUE);
    expect(answered.length).toBeLessThanOrEqual(CONCURRENCY + QUEUE + 2);
    // Every refusal is the limiter's (429 on grounded's API, 503 "busy" on Ollama's), never another failure.
    for (const r of refused) expect(JSON.stringify(r.json)).toMatch(/busy|Too many questions/i);
    expect(ollama.requestsTo("/api/chat")).toHaveLength(answered.length);
  });

  it("a search answers at once while asks are waiting for the model", async () => {
    ollama.reset();
    let asksDone = 0;
    const asks = Array.from({ length: CONCURRENCY + QUEUE }, () =>
      postJson(`${service.url}/api/ask`, { question }).then((r) => {
        asksDone++;
        return r;
      }),
    );
    await until(() => ollama.requestsTo("/api/chat").length === CONCURRENCY);
    const t0 = performance.now();
    const search = await postJson(`${service.url}/api/search`, { query: "citric acid descaling" });
    const searchMs = performance.now() - t0;
    const waitingWhenSearchDone = CONCURRENCY + QUEUE - asksDone;
    expect(search.status).toBe(200);
    expect(search.json.results[0]).toMatchObject({ source: "manuals/kettle.md" });
    expect(waitingWhenSearchDone).toBeGreaterThan(CONCURRENCY);
    expect(searchMs).toBeLessThan(500);
    const answered = await Promise.all(asks);
    expect(answered.map((r) => r.status)).toEqual(Array(CONCURRENCY + QUEUE).fill(200));
    console.log(`load: search took ${Math.round(searchMs)} ms with ${waitingWhenSearchDone} asks pending`);
  });

  it("serving while an ingest runs in another process: no errors, new documents appear", async () => {
    ollama.reset();
    const more = path.join(service.dir, "more");
    fs.mkdirSync(more);
    for (let i = 0; i < 8; i++) {
      fs.writeFileSync(
        path.join(more, `log-${i}.md`),
        `# Log ${i}\n\n${Array.from({ length: 40 }, (_, w) => `entry${i}w${w} saffron lighthouse`).join(" ")}.\n`,
      );
    }
    ollama.perInputDelayMs = 40;
    const child = spawnIngest(more, { ...env, GROUNDED_EMBED_BATCH: "2" });
    let exited = false;
    void child.exited.then(() => {
      exited = true;
    });
    const statuses: number[] = [];
    let sawGrowth = false;
    const before = (await service.runtime.store.counts()).documents;
    while (!exited) {
      const search = await postJson(`${service.url}/api/search`, { query: "saffron lighthouse warranty" });
      const docs = await fetch(`${service.url}/api/documents`);
      statuses.push(search.status, docs.status);
      const n = ((await docs.json()) as { documents: unknown[] }).documents.length;
      if (n > before && n < before + 8) sawGrowth = true;
    }
    ollama.perInputDelayMs = 0;
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(sawGrowth).toBe(true);
    const after = await postJson(`${service.url}/api/search`, { query: "entry3w7 saffron" });
    expect(after.json.results.map((r: { source: string }) => r.source)).toContain("log-3.md");
    expect((await service.runtime.store.counts()).documents).toBe(before + 8);
  }, 30_000);
});
