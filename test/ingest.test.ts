import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { checkStore, openIndex } from "../src/store/open-index.js";
import { cli } from "./helpers/app.js";
import { describeEachBackend, type TestIndex } from "./helpers/backends.js";
import { writeCorpus } from "./helpers/corpus.js";
import { tempDir } from "./helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

describeEachBackend("grounded ingest", (backend) => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let index: TestIndex;
  let docs: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterAll(async () => {
    await ollama.close();
  });
  beforeEach(async () => {
    ollama.reset();
    tmp = tempDir();
    index = await backend.create();
    docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: index.db };
  });
  afterEach(async () => {
    await index.drop();
    tmp.cleanup();
  });

  const embedInputs = () =>
    ollama
      .requestsTo("/api/embed")
      .reduce((n, r) => n + ((r.body as { input: string[] }).input?.length ?? 0), 0);

  it("prints a summary and is incremental: an unchanged file costs no embedding call", async () => {
    const first = await cli(["ingest", docs], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Done: 4 added, 0 updated, 0 unchanged, 0 removed, 0 failed; \d+ chunks/);
    expect(first.stdout).toMatch(/^added\s+greenhouse\.pdf \(\d+ chunks\)$/m);
    ollama.reset();
    const second = await cli(["ingest", docs], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Done: 0 added, 0 updated, 4 unchanged/);
    expect(ollama.requestsTo("/api/embed")).toHaveLength(0);
  });

  it("re-embeds only a changed file and replaces its chunks", async () => {
    await cli(["ingest", docs], env);
    ollama.reset();
    fs.appendFileSync(path.join(docs, "notes.txt"), "\nThe coffee machine is descaled on Fridays.\n");
    const r = await cli(["ingest", docs], env);
    expect(r.stdout).toMatch(/Done: 0 added, 1 updated, 3 unchanged/);
    const store = await openIndex(env.GROUNDED_DB ?? "");
    try {
      const notes = (await store.listDocuments()).find((d) => d.source === "notes.txt");
      expect(embedInputs()).toBe(notes?.chunkCount);
      const texts = (await store.documentChunks(notes?.id ?? -1)).map((c) => c.text);
      expect(texts.join(" ")).toContain("coffee machine");
      expect(await store.listDocuments()).toHaveLength(4);
      expect(await checkStore(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("--prune drops files that vanished; without it they stay", async () => {
    await cli(["ingest", docs], env);
    fs.rmSync(path.join(docs, "notes.txt"));
    expect((await cli(["ingest", docs], env)).stdout).toMatch(/0 removed/);
    const r = await cli(["ingest", "--prune", docs], env);
    expect(r.stdout).toMatch(/^removed\s+notes\.txt$/m);
    expect(r.stdout).toMatch(/1 removed/);
  });

  it("a file that fails to load is reported with its reason, the rest is ingested, exit code 1", async () => {
    fs.writeFileSync(path.join(docs, "broken.pdf"), "this is not a pdf at all");
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^failed\s+broken\.pdf: .+/m);
    expect(r.stdout).toMatch(/Done: 4 added, .* 1 failed/);
  });

  it("an empty file is skipped, not failed: the run and every later one exit 0", async () => {
    fs.writeFileSync(path.join(docs, "todo.md"), "");
    fs.writeFileSync(path.join(docs, "blank.txt"), "  \n\n");
    const first = await cli(["ingest", docs], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^skipped\s+todo\.md: is empty$/m);
    expect(first.stdout).toMatch(/^skipped\s+blank\.txt: is empty \(it contains no text\)$/m);
    expect(first.stdout).toMatch(/Done: 4 added, 0 updated, 0 unchanged, 0 removed, 0 failed, 2 skipped;/);
    const again = await cli(["ingest", docs, "--json"], env);
    expect(again.code).toBe(0);
    const summary = JSON.parse(again.stdout.trim().split("\n").at(-1) as string);
    expect(summary).toMatchObject({ unchanged: 4, failed: 0, skipped: 2 });
    expect(summary.skips.map((s: { source: string }) => s.source).sort()).toEqual(["blank.txt", "todo.md"]);
  });

  it("a file emptied after it was indexed leaves the index with its text", async () => {
    await cli(["ingest", docs], env);
    fs.writeFileSync(path.join(docs, "notes.txt"), "");
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^skipped\s+notes\.txt: is empty; its earlier version was removed from the index$/m,
    );
    const store = await openIndex(env.GROUNDED_DB ?? "");
    try {
      expect((await store.listDocuments()).map((d) => d.source)).not.toContain("notes.txt");
      expect(await checkStore(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("usage errors exit 2 with a message", async () => {
    const r = await cli(["ingest"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Name at least one file or folder/);
    expect((await cli(["ingest", "--bogus", docs], env)).code).toBe(2);
  });

  it("a different embedding model is refused with the reindex command; --reindex rebuilds", async () => {
    await cli(["ingest", docs], env);
    const other = { ...env, GROUNDED_EMBED_MODEL: "nomic-embed-text" };
    const refused = await cli(["ingest", docs], other);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/built with the embedding model "bge-m3".*--reindex/s);
    ollama.reset();
    const re = await cli(["ingest", "--reindex", docs], other);
    expect(re.code).toBe(0);
    // A new model means a new vector table: every document is rebuilt from scratch.
    expect(re.stdout).toMatch(/Done: 4 added, 0 updated/);
    const inputs = ollama.requestsTo("/api/embed").flatMap((r) => (r.body as { input: string[] }).input);
    // Chunks go in as documents; the calibration's pseudo-questions (src/retrieval/calibration.ts) as queries.
    expect(inputs.filter((t) => t.startsWith("search_document: ")).length).toBeGreaterThanOrEqual(4);
    expect(inputs.every((t) => /^search_(document|query): /.test(t))).toBe(true);
    const store = await openIndex(env.GROUNDED_DB ?? "");
    expect(await store.indexInfo()).toEqual({ embedModel: "nomic-embed-text", dimensions: 768 });
    await store.close();
  });

  it("an embedding model that is not pulled stops the run with the ollama pull command, exit 2", async () => {
    const r = await cli(["ingest", docs], { ...env, GROUNDED_EMBED_MODEL: "mxbai-embed-large" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ollama pull mxbai-embed-large");
  });

  it("the vectors decide the index width when /api/show reports another embedding_length", async () => {
    const model = ollama.models.get("nomic-embed-text:latest");
    if (!model) throw new Error("stand-in model missing");
    ollama.models.set("nomic-embed-text:latest", { ...model, showDims: 1024 });
    try {
      const r = await cli(["ingest", docs], { ...env, GROUNDED_EMBED_MODEL: "nomic-embed-text" });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Done: 4 added/);
      const store = await openIndex(env.GROUNDED_DB ?? "");
      try {
        expect(await store.indexInfo()).toEqual({ embedModel: "nomic-embed-text", dimensions: 768 });
        expect((await store.counts()).documents).toBe(4);
        expect(await checkStore(store)).toEqual([]);
      } finally {
        await store.close();
      }
    } finally {
      ollama.models.set("nomic-embed-text:latest", model);
    }
  });
});
