import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, postJson, type RunningService, readNdjson, startService } from "./helpers/app.js";
import { closedPortUrl } from "./helpers/closed-port.js";
import { writeCorpus } from "./helpers/corpus.js";
import { tempDir } from "./helpers/tmp.js";

describe("without any Ollama: built-in embedder and extractive answers", () => {
  let tmp: ReturnType<typeof tempDir>;
  let service: RunningService;
  let env: Record<string, string>;
  let ingestRun: Awaited<ReturnType<typeof cli>>;

  beforeAll(async () => {
    tmp = tempDir();
    const docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    env = {
      OLLAMA_HOST: await closedPortUrl(),
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
    };
    ingestRun = await cli(["ingest", docs], env);
    service = await startService(env);
  });
  afterAll(async () => {
    await service?.close();
    tmp?.cleanup();
  });

  it("ingest falls back to the built-in embedder and says so loudly", async () => {
    expect(ingestRun.code).toBe(0);
    expect(ingestRun.stderr).toMatch(
      /Ollama is not reachable at http:\/\/127\.0\.0\.1:\d+: using the built-in offline embedder/,
    );
    expect(ingestRun.stdout).toMatch(/embedding model "builtin"/);
    expect((await service.runtime.store.indexInfo())?.embedModel).toBe("builtin");
  });

  it("/health says builtin embedding, extractive answers, Ollama unreachable", async () => {
    const h = (await (await fetch(`${service.url}/health`)).json()) as Record<string, any>;
    expect(h.mode).toEqual({ embedding: "builtin", answer: "extractive" });
    expect(h.ollama.reachable).toBe(false);
    expect(h.chatModel).toBeNull();
  });

  it("the Ollama- and OpenAI-compatible APIs offer only what answers: grounded, extractively, with no chat model", async () => {
    const tags = (await (await fetch(`${service.url}/api/tags`)).json()) as Record<string, any>;
    expect(tags.models.map((m: { name: string }) => m.name)).toEqual(["grounded:latest"]);
    expect(tags.models[0].details.parent_model).toBe("");
    const show = (await postJson(`${service.url}/api/show`, { model: "grounded" })).json;
    expect(show.modelfile).toMatch(/extractively/);
    expect(show.modelfile).not.toMatch(/FROM|gemma/);
    const ps = (await (await fetch(`${service.url}/api/ps`)).json()) as Record<string, any>;
    expect(ps.models[0].details.parent_model).toBe("");
    const models = (await (await fetch(`${service.url}/v1/models`)).json()) as Record<string, any>;
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["grounded:latest"]);
  });

  it("answers extractively with the matching sentence and its [n], citing file and page", async () => {
    const r = await postJson(`${service.url}/api/ask`, {
      question: "When should the tomato beds be watered?",
    });
    expect(r.status).toBe(200);
    expect(r.json.mode).toBe("extractive");
    expect(r.json.model).toBeNull();
    expect(r.json.grounded).toBe(true);
    expect(r.json.answer).toMatch(/Water the tomato beds every morning before nine\.? \[1\]/);
    expect(r.json.citations[0]).toMatchObject({ n: 1, source: "greenhouse.pdf", page: 2 });
  });

  it("streams extractive answers too", async () => {
    const res = await fetch(`${service.url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "每本每日罰款多少？", stream: true }),
    });
    const events = await readNdjson(res);
    expect(events.map((e) => e.type)).toEqual(["sources", "delta", "done"]);
    expect(events[2]?.answer).toMatch(/五元.*\[1\]/);
    expect(events[2]?.citations[0].source).toBe("圖書館規則.md");
  });

  it("the CLI ask command prints the answer and its sources", async () => {
    const r = await cli(["ask", "How long does the warranty last?"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/24 months.*\[1\]/);
    expect(r.stdout).toMatch(/\[1\] manuals\/kettle\.md, section "Kettle K2 manual > Warranty"/);
  });
});
