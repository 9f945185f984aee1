import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStore, openIndex } from "../../src/store/open-index.js";
import { cli, postJson, type RunningService, startService } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

function upload(url: string, name: string, content: string) {
  const form = new FormData();
  form.append("file", new Blob([content]), name);
  return fetch(`${url}/api/documents`, { method: "POST", body: form });
}

const sources = async (url: string) =>
  ((await (await fetch(`${url}/api/documents`)).json()) as { documents: { source: string }[] }).documents
    .map((d) => d.source)
    .sort();

describe.skipIf(noPostgres)("two servers on one PostgreSQL index", () => {
  let ollama: OllamaStandIn;
  let db: TestDatabase;
  let tmp: ReturnType<typeof tempDir>;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    db = await freshDatabase();
    tmp = tempDir();
    // Both servers keep uploads in one folder, as servers sharing a mount would.
    const env = {
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: db.url,
      GROUNDED_UPLOADS: path.join(tmp.dir, "uploads"),
    };
    a = await startService(env);
    b = await startService(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await ollama?.close();
    await db?.drop();
    tmp?.cleanup();
  });

  it("a file uploaded to one server is listed and found by the other", async () => {
    const res = await upload(
      a.url,
      "teapot.md",
      "# Teapot\n\nThe teapot spout is cleaned with a soft brush.\n",
    );
    expect(res.status).toBe(201);
    expect(await sources(b.url)).toEqual(["teapot.md"]);
    const found = await postJson(`${b.url}/api/search`, { query: "teapot spout brush" });
    expect(found.json.results[0].source).toBe("teapot.md");
    const asked = await postJson(`${b.url}/api/ask`, { question: "What cleans the teapot spout?" });
    expect(asked.json.citations[0].source).toBe("teapot.md");
  });

  it("the same file uploaded to both at once is one document, and the index stays consistent", async () => {
    const [one, two] = await Promise.all([
      upload(a.url, "kettle.md", "# Kettle\n\nDescale the kettle monthly with citric acid.\n"),
      upload(b.url, "kettle.md", "# Kettle\n\nDescale the kettle every month with vinegar.\n"),
    ]);
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(await sources(a.url)).toEqual(["kettle.md", "teapot.md"]);
    expect(await sources(b.url)).toEqual(["kettle.md", "teapot.md"]);
    const store = await openIndex(db.url);
    try {
      expect(await checkStore(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("a document deleted through one server is gone from the other", async () => {
    const docs = (await (await fetch(`${b.url}/api/documents`)).json()) as {
      documents: { id: number; source: string }[];
    };
    const teapot = docs.documents.find((d) => d.source === "teapot.md");
    const del = await fetch(`${b.url}/api/documents/${teapot?.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await sources(a.url)).toEqual(["kettle.md"]);
    const found = await postJson(`${a.url}/api/search`, { query: "teapot spout brush" });
    expect(found.json.results.map((r: { source: string }) => r.source)).not.toContain("teapot.md");
  });

  it("two ingests of one folder at once store each file once", async () => {
    const docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    const env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: db.url };
    const runs = await Promise.all([cli(["ingest", docs], env), cli(["ingest", docs], env)]);
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    // The corpus: four files (one in a subfolder), each once, beside the upload from before.
    const listed = await sources(a.url);
    expect(listed).toHaveLength(5);
    expect(new Set(listed).size).toBe(5);
    expect(listed).toContain("manuals/kettle.md");
    const status = await cli(["status", "--check", "--json"], env);
    expect(JSON.parse(status.stdout).check).toEqual({ ok: true, problems: [] });
    expect(JSON.parse(status.stdout).index).toMatchObject({ kind: "postgres", documents: 5 });
    // The URL is shown without its password.
    expect(status.stdout).not.toContain(`:${new URL(db.url).password}@`);
    expect(JSON.parse(status.stdout).index.file).toContain(":***@");
  });

  it("a server notices another process rebuilding the index with another model, without a restart", async () => {
    const docs = path.join(tmp.dir, "docs");
    const env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: db.url, GROUNDED_EMBED_MODEL: "nomic-embed-text" };
    const reindex = await cli(["ingest", "--reindex", docs], env);
    expect(reindex.code).toBe(0);
    ollama.reset();
    const found = await postJson(`${a.url}/api/search`, { query: "When should the tomato beds be watered?" });
    expect(found.status).toBe(200);
    expect(found.json.results[0].source).toBe("greenhouse.pdf");
    // The query was embedded with the index's new model, so the vector side took part.
    const embeds = ollama.requestsTo("/api/embed").map((r) => (r.body as { model: string }).model);
    expect(embeds).toContain("nomic-embed-text");
    const health = (await (await fetch(`${b.url}/health`)).json()) as Record<string, any>;
    expect(health.index).toMatchObject({ embedModel: "nomic-embed-text", dimensions: 768 });
  });
});
