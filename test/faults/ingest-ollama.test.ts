import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkIndex } from "../../src/store/check.js";
import { openStore } from "../../src/store/store.js";
import { cli } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/**
 * Ollama failing while ingest runs: transient faults (refused, 500, 503, a hung request) are retried with
 * backoff; a file whose embeddings still fail is reported and its previous version stays in the index.
 */
describe("Ollama faults during ingest", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let env: Record<string, string>;
  const notes = () => path.join(docs, "notes.txt");

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterAll(async () => {
    await ollama.close();
  });
  beforeEach(async () => {
    ollama.reset();
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    env = {
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
      GROUNDED_EMBED_BATCH: "64",
      GROUNDED_EMBED_RETRIES: "3",
      GROUNDED_RETRY_BASE_MS: "20",
    };
  });
  afterEach(() => tmp.cleanup());

  const notesText = async () => {
    const store = openStore(env.GROUNDED_DB ?? "");
    try {
      const doc = (await store.listDocuments()).find((d) => d.source === "notes.txt");
      expect(checkIndex(store.db)).toEqual([]);
      return (
        store.db.prepare("SELECT text FROM chunks WHERE document_id = ?").pluck().all(doc?.id) as string[]
      )
        .join(" ")
        .trim();
    } finally {
      await store.close();
    }
  };

  /** Ingest, then change notes.txt so the next run has exactly one file to re-embed. */
  async function ingestThenEdit() {
    expect((await cli(["ingest", docs], env)).code).toBe(0);
    fs.writeFileSync(notes(), "Team notes.\n\nThe new printer on floor five takes toner model ZQ-900.\n");
    ollama.reset();
  }

  it.each([
    [503, "server busy, please try again.  maximum pending requests exceeded"],
    [500, "llama runner process has terminated: signal: killed"],
  ])("a %i from Ollama is retried and the run succeeds", async (status, error) => {
    ollama.failNext({ path: "/api/embed", status, error, count: 2 });
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Done: 4 added, .* 0 failed/);
    // One batch holds every chunk: two failed tries, then the one that worked; then the calibration's
    // pseudo-questions (src/retrieval/calibration.ts), which all hold queries, not the chunks.
    const embeds = ollama.requestsTo("/api/embed").map((r) => (r.body as { input: string[] }).input);
    const firstInputs = embeds[0] ?? [];
    expect(embeds.slice(0, 3).every((input) => JSON.stringify(input) === JSON.stringify(firstInputs))).toBe(
      true,
    );
    expect(embeds.slice(3).some((input) => JSON.stringify(input) === JSON.stringify(firstInputs))).toBe(
      false,
    );
  });

  it("a request that hangs past GROUNDED_OLLAMA_TIMEOUT_MS is abandoned and retried", async () => {
    ollama.perInputDelayMs = 200;
    const timer = setTimeout(() => {
      ollama.perInputDelayMs = 0;
    }, 300);
    const r = await cli(["ingest", docs], { ...env, GROUNDED_OLLAMA_TIMEOUT_MS: "250" });
    clearTimeout(timer);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Done: 4 added, .* 0 failed/);
    expect(ollama.requestsTo("/api/embed").length).toBeGreaterThanOrEqual(2);
  });

  it("connection refused while Ollama restarts is retried until it is back", async () => {
    await ingestThenEdit();
    const port = ollama.port;
    await ollama.close();
    const restarted = new Promise<OllamaStandIn>((resolve) =>
      setTimeout(() => resolve(startOllamaStandIn({ port })), 150),
    );
    const r = await cli(["ingest", docs], {
      ...env,
      GROUNDED_EMBED_RETRIES: "8",
      GROUNDED_RETRY_BASE_MS: "50",
    });
    ollama = await restarted;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^updated\s+notes\.txt/m);
    expect(await notesText()).toContain("ZQ-900");
  });

  it("Ollama down for the whole run: one clear error naming the host, the index is left as it was", async () => {
    await ingestThenEdit();
    const port = ollama.port;
    await ollama.close();
    try {
      const r = await cli(["ingest", docs], env);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `error: Cannot reach Ollama at http://127.0.0.1:${port}. Start it with \`ollama serve\` (or open the Ollama app), or point OLLAMA_HOST / --ollama-host at the machine where it runs.`,
      );
      expect(await notesText()).toContain("TX-500");
    } finally {
      ollama = await startOllamaStandIn({ port });
    }
  });

  it("embeddings that keep failing: the file is reported, its old version stays searchable", async () => {
    await ingestThenEdit();
    ollama.failNext({
      path: "/api/embed",
      status: 500,
      error: "llama runner process has terminated",
      count: 99,
    });
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^failed\s+notes\.txt: embedding failed, the previous version stays in the index: Ollama at .* answered 500: llama runner process has terminated/m,
    );
    expect(r.stdout).toMatch(/Done: 0 added, 0 updated, 3 unchanged, 0 removed, 1 failed/);
    // GROUNDED_EMBED_RETRIES=3: the first try and three more, then it gives up.
    expect(ollama.requestsTo("/api/embed")).toHaveLength(4);
    expect(await notesText()).toContain("TX-500");
    ollama.reset();
    const search = await cli(["search", "toner TX-500", "--json"], env);
    expect(JSON.parse(search.stdout).results[0]).toMatchObject({ source: "notes.txt" });
    // The next run finishes the job.
    const again = await cli(["ingest", docs], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^updated\s+notes\.txt/m);
    expect(await notesText()).toContain("ZQ-900");
  });

  it("a request that always hangs: the file is reported with the timeout, its old version stays", async () => {
    await ingestThenEdit();
    ollama.perInputDelayMs = 1000;
    const r = await cli(["ingest", docs], {
      ...env,
      GROUNDED_OLLAMA_TIMEOUT_MS: "200",
      GROUNDED_EMBED_RETRIES: "1",
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^failed\s+notes\.txt: embedding failed, the previous version stays in the index: Ollama at .* did not answer POST \/api\/embed within 200 ms/m,
    );
    expect(await notesText()).toContain("TX-500");
  });

  it("a model that is not pulled stops the run at once with the ollama pull command; nothing changes", async () => {
    await ingestThenEdit();
    ollama.models.delete("bge-m3:latest");
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not have the model "bge-m3"\. Run `ollama pull bge-m3`/);
    // Not transient: asked once, not retried.
    expect(ollama.requestsTo("/api/show")).toHaveLength(1);
    expect(ollama.requestsTo("/api/embed")).toHaveLength(0);
    expect(await notesText()).toContain("TX-500");
  });
});
