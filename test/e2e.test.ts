import { afterAll, beforeAll, expect, it } from "vitest";
import { postJson, readNdjson } from "./helpers/app.js";
import { describeEachBackend } from "./helpers/backends.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";
import { DEFAULT_STAND_IN_MODELS, type OllamaStandIn } from "./stand-in/ollama-stand-in.js";

describeEachBackend(
  "end to end against a stand-in Ollama: ingest a folder, ask over HTTP, get cited file and page",
  (backend) => {
    let ollama: OllamaStandIn;
    let service: IndexedService;

    beforeAll(async () => {
      service = await startIndexedService({ env: { GROUNDED_EMBED_BATCH: "4" }, backend });
      ollama = service.ollama;
      expect(service.ingested.stderr).toBe("");
    });

    afterAll(async () => {
      await service?.close();
    });

    it("ingest embedded every chunk in batches through /api/embed with the configured model", async () => {
      const all = ollama.requestsTo("/api/embed").map((r) => r.body as { model: string; input: string[] });
      const chunks = (await service.runtime.store.counts()).chunks;
      // After the chunks, ingest embeds pseudo-questions to calibrate "not covered" (src/retrieval/calibration.ts).
      const embeds = all.slice(0, Math.ceil(chunks / 4));
      const calibration = all.slice(embeds.length);
      expect(calibration.length).toBeGreaterThan(0);
      expect(calibration.every((b) => b.model === "bge-m3" && b.input.length <= 32)).toBe(true);
      expect(chunks).toBeGreaterThanOrEqual(6);
      expect(embeds.every((b) => b.model === "bge-m3")).toBe(true);
      const inputs = embeds.map((b) => b.input.length);
      expect(inputs.reduce((a, b) => a + b, 0)).toBe(chunks);
      expect(Math.max(...inputs)).toBe(4);
      expect(embeds.length).toBe(Math.ceil(chunks / 4));
      expect(await service.runtime.store.indexInfo()).toEqual({ embedModel: "bge-m3", dimensions: 1024 });
    });

    it("/health reports the index, Ollama and the modes", async () => {
      const res = await fetch(`${service.url}/health`);
      const h = (await res.json()) as Record<string, any>;
      expect(h.status).toBe("ok");
      expect(h.index).toMatchObject({ documents: 4, embedModel: "bge-m3", dimensions: 1024 });
      expect(h.ollama).toMatchObject({ host: ollama.url, reachable: true });
      expect(h.mode).toEqual({ embedding: "ollama", answer: "generative" });
      expect(h.chatModel).toBe("gemma4:e4b");
    });

    it("answers with a citation to the right PDF page", async () => {
      ollama.reset();
      const r = await postJson(`${service.url}/api/ask`, {
        question: "When should the tomato beds be watered?",
      });
      expect(r.status).toBe(200);
      expect(r.json.grounded).toBe(true);
      expect(r.json.mode).toBe("generative");
      expect(r.json.model).toBe("gemma4:e4b");
      expect(r.json.answer).toMatch(/\[\d\]/);
      const cited = r.json.citations[0];
      expect(cited).toMatchObject({ source: "greenhouse.pdf", page: 2 });
      expect(cited.text).toContain("tomato");
      expect(r.json.sources.length).toBeGreaterThanOrEqual(r.json.citations.length);
      expect(r.json.timings.totalMs).toBeGreaterThanOrEqual(r.json.timings.retrievalMs);
    });

    it("sends Ollama a grounded message list with num_ctx sized and think off", async () => {
      ollama.reset();
      await postJson(`${service.url}/api/ask`, {
        question: "How long is the warranty?",
        history: [
          { role: "user", content: "Hello" },
          { role: "assistant", content: "Hi, ask me about your documents." },
        ],
      });
      // The history makes it a follow-up: its rewrite is asked first (test/rewrite.test.ts), then the answer.
      const chat = ollama.requestsTo("/api/chat").at(-1)?.body as Record<string, any>;
      expect(chat.model).toBe("gemma4:e4b");
      expect(chat.think).toBe(false);
      expect(chat.options.num_ctx).toBe(4096);
      const roles = chat.messages.map((m: { role: string }) => m.role);
      expect(roles).toEqual(["system", "user", "assistant", "user"]);
      expect(chat.messages[0].content).toMatch(/only the numbered sources/);
      const last: string = chat.messages[3].content;
      expect(last).toMatch(/^\[1\] manuals\/kettle\.md, section "Kettle K2 manual > Warranty"$/m);
      expect(last.trimEnd()).toMatch(/Question: How long is the warranty\?$/);
    });

    it("answers a Traditional Chinese question from the Chinese document", async () => {
      const r = await postJson(`${service.url}/api/ask`, { question: "逾期未還的圖書罰款多少？" });
      expect(r.status).toBe(200);
      expect(r.json.citations[0]).toMatchObject({ source: "圖書館規則.md", page: null });
      expect(r.json.answer).toContain("五元");
    });

    it("streams NDJSON: sources, deltas, then done with the same citations", async () => {
      const res = await fetch(`${service.url}/api/ask`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ question: "What do I use against aphids on the peppers?", stream: true }),
      });
      expect(res.headers.get("content-type")).toMatch(/application\/x-ndjson/);
      const events = await readNdjson(res);
      expect(events[0]?.type).toBe("sources");
      const deltas = events.filter((e) => e.type === "delta");
      expect(deltas.length).toBeGreaterThan(0);
      const done = events.at(-1) as Record<string, any>;
      expect(done.type).toBe("done");
      expect(
        deltas
          .map((d) => d.content)
          .join("")
          .trim(),
      ).toBe(done.answer);
      expect(done.citations[0]).toMatchObject({ source: "greenhouse.pdf", page: 3 });
    });

    it("sends the question to the model before the client has even taken the sources", async () => {
      const before = ollama.requestsTo("/api/chat").length;
      const events = service.runtime.answerer.ask({
        question: "What do I use against aphids on the peppers?",
        k: 5,
        history: [],
      });
      const first = await events.next();
      expect(first.value?.type).toBe("sources");
      // The generator stays suspended at the sources event; the model must be asked all the same.
      const deadline = Date.now() + 5000;
      while (ollama.requestsTo("/api/chat").length === before && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(ollama.requestsTo("/api/chat").length).toBe(before + 1);
      const rest: string[] = [];
      for await (const e of events) rest.push(e.type);
      expect(rest.at(-1)).toBe("done");
      expect(rest).toContain("delta");
    });

    it("a client gone at the sources event frees the model's slot", async () => {
      const answerer = service.runtime.answerer;
      const events = answerer.ask({
        question: "What do I use against aphids on the peppers?",
        k: 5,
        history: [],
      });
      expect((await events.next()).value?.type).toBe("sources");
      await events.return(undefined);
      // All chat slots are free again: as many asks as the configured concurrency all get answers.
      const answers = await Promise.all(
        Array.from({ length: 2 }, async () => {
          const types: string[] = [];
          for await (const e of answerer.ask({
            question: "What do I use against aphids on the peppers?",
            k: 5,
            history: [],
          }))
            types.push(e.type);
          return types.at(-1);
        }),
      );
      expect(answers).toEqual(["done", "done"]);
    });

    it("a question the documents do not cover is answered without calling the model", async () => {
      ollama.reset();
      const r = await postJson(`${service.url}/api/ask`, {
        question: "Who won the football world cup in 1954?",
      });
      expect(r.status).toBe(200);
      expect(r.json.grounded).toBe(false);
      expect(r.json.citations).toEqual([]);
      expect(r.json.answer).toMatch(/do not cover/);
      expect(ollama.requestsTo("/api/chat")).toHaveLength(0);
    });

    it("sharing one word with a document (blue barrels) does not make a question answered", async () => {
      ollama.reset();
      // On an index of six short documents, one shared word is not nothing: the question is borderline at
      // most, so the chat model decides (its instructions tell it to say when the sources do not cover it).
      const r = await postJson(`${service.url}/api/ask`, { question: "Why is the sky blue?" });
      expect(r.json.coverage).not.toBe("answered");
      const zh = await postJson(`${service.url}/api/ask`, { question: "台北今天天氣如何？" });
      expect(zh.json.grounded).toBe(false);
      expect(zh.json.answer).toBe("文件中沒有關於這個問題的內容。");
    });

    it("says how sure it is, and searches a follow-up in its conversation", async () => {
      const covered = await postJson(`${service.url}/api/ask`, {
        question: "How long does the warranty last?",
      });
      expect(covered.json).toMatchObject({ grounded: true, coverage: "answered" });
      const history = [
        { role: "user", content: "How often should the kettle be descaled?" },
        { role: "assistant", content: covered.json.answer },
      ];
      const alone = await postJson(`${service.url}/api/search`, { query: "And what do I put in?", k: 1 });
      expect(alone.json.coverage).toBe("not_covered");
      const folded = await postJson(`${service.url}/api/search`, {
        query: "And what do I put in?",
        k: 1,
        history,
      });
      expect(folded.json.results[0]).toMatchObject({ source: "manuals/kettle.md" });
      expect(folded.json.coverage).not.toBe("not_covered");
      // The model is asked (the stand-in's model reads only the last question, so its answer is not checked).
      ollama.reset();
      const asked = await postJson(`${service.url}/api/ask`, { question: "And what do I put in?", history });
      expect(asked.json.sources[0]).toMatchObject({ source: "manuals/kettle.md" });
      // A rewrite of the follow-up, then the answer (the stand-in cannot rewrite: the folded search stands).
      expect(ollama.requestsTo("/api/chat")).toHaveLength(2);
      expect(asked.json.searchedFor).toBeNull();
    });

    it("/api/search returns ranked chunks with source, page and heading, and honours the source filter", async () => {
      const r = await postJson(`${service.url}/api/search`, { query: "citric acid descaling", k: 3 });
      expect(r.status).toBe(200);
      expect(r.json.results[0]).toMatchObject({
        source: "manuals/kettle.md",
        page: null,
        heading: "Kettle K2 manual > Descaling",
      });
      const filtered = await postJson(`${service.url}/api/search`, {
        query: "citric acid descaling",
        filter: { source: "greenhouse" },
      });
      expect(filtered.json.results.length).toBeGreaterThan(0);
      expect(filtered.json.results.every((x: { source: string }) => x.source === "greenhouse.pdf")).toBe(
        true,
      );
    });

    it("lists and deletes documents", async () => {
      const list = (await (await fetch(`${service.url}/api/documents`)).json()) as {
        documents: Array<Record<string, any>>;
      };
      const notes = list.documents.find((d) => d.source === "notes.txt");
      expect(notes).toBeDefined();
      expect(list.documents.find((d) => d.source === "greenhouse.pdf")?.pages).toBe(3);
      const del = await fetch(`${service.url}/api/documents/${notes?.id}`, { method: "DELETE" });
      expect(del.status).toBe(200);
      const again = await fetch(`${service.url}/api/documents/${notes?.id}`, { method: "DELETE" });
      expect(again.status).toBe(404);
      expect(((await again.json()) as Record<string, any>).error.code).toBe("not_found");
    });

    it("a missing chat model is a 503 that names the ollama pull which fixes it", async () => {
      const chat = DEFAULT_STAND_IN_MODELS.find((m) => m.kind === "chat");
      ollama.models.delete("gemma4:e4b");
      try {
        const r = await postJson(`${service.url}/api/ask`, { question: "How long is the warranty?" });
        expect(r.status).toBe(503);
        expect(r.json.error.code).toBe("model_not_found");
        expect(r.json.error.message).toContain("ollama pull gemma4:e4b");
      } finally {
        if (chat) ollama.models.set("gemma4:e4b", { ...chat });
      }
    });
  },
);
