import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIndex } from "../../src/store/open-index.js";
import type { PgStore } from "../../src/store/postgres/pg-store.js";
import { cli, postJson, type RunningService, startService } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

const QUESTIONS = [
  "When should the tomato beds be watered?",
  "How often should I descale the kettle?",
  "Where is the printer?",
  "圖書逾期罰款多少",
];

describe.skipIf(noPostgres)("grounded migrate --to postgres://…", () => {
  let ollama: OllamaStandIn;
  let db: TestDatabase;
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let migrated: Awaited<ReturnType<typeof cli>>;
  let embedsDuringMigrate: number;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    db = await freshDatabase();
    tmp = tempDir();
    file = path.join(tmp.dir, "index.db");
    const docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    const ingested = await cli(["ingest", docs], { OLLAMA_HOST: ollama.url, GROUNDED_DB: file });
    expect(ingested.code).toBe(0);
    ollama.reset();
    migrated = await cli(["migrate", "--to", db.url, "--db", file], { OLLAMA_HOST: ollama.url });
    embedsDuringMigrate = ollama.requestsTo("/api/embed").length;
  });
  afterAll(async () => {
    await ollama?.close();
    await db?.drop();
    tmp?.cleanup();
  });

  it("copies every document and chunk without embedding anything, and says how to serve it", async () => {
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    expect(embedsDuringMigrate).toBe(0);
    expect(migrated.stdout).toMatch(/Done: 4 documents, \d+ chunks copied/);
    expect(migrated.stdout).toContain("GROUNDED_DB='postgres://grounded:<password>@");
    const status = await cli(["status", "--check", "--json"], {
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: db.url,
    });
    const sqlite = await cli(["status", "--json"], { OLLAMA_HOST: ollama.url, GROUNDED_DB: file });
    const moved = JSON.parse(status.stdout);
    expect(moved.check).toEqual({ ok: true, problems: [] });
    // Copied with the vector index set aside, then built once: it is there.
    const pg = (await openIndex(db.url)) as PgStore;
    const [hnsw] = await pg.sql`SELECT indexdef FROM pg_indexes WHERE indexname = 'chunk_vectors_hnsw'`;
    await pg.close();
    expect(hnsw?.indexdef).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    expect(moved.index).toMatchObject({
      documents: 4,
      chunks: JSON.parse(sqlite.stdout).index.chunks,
      embedModel: "bge-m3",
      dimensions: 1024,
    });
  });

  it("the copy answers searches as the SQLite index does, calibration included", async () => {
    const serve = (GROUNDED_DB: string) => startService({ OLLAMA_HOST: ollama.url, GROUNDED_DB });
    let fromFile: RunningService | undefined;
    let fromDb: RunningService | undefined;
    try {
      fromFile = await serve(file);
      fromDb = await serve(db.url);
      for (const query of QUESTIONS) {
        const a = (await postJson(`${fromFile.url}/api/search`, { query, k: 5 })).json;
        const b = (await postJson(`${fromDb.url}/api/search`, { query, k: 5 })).json;
        const view = (r: Record<string, any>) =>
          r.results.map((x: Record<string, any>) => [x.source, x.page, x.text, Number(x.score.toFixed(4))]);
        expect(view(b), query).toEqual(view(a));
        expect(b.coverage, query).toEqual(a.coverage);
      }
      const lite = await openIndex(file);
      const pg = await openIndex(db.url);
      expect(await pg.meta("coverage_calibration")).toBe(await lite.meta("coverage_calibration"));
      expect(await pg.meta("coverage_calibration")).toBeTruthy();
      await lite.close();
      await pg.close();
    } finally {
      await fromFile?.close();
      await fromDb?.close();
    }
  });

  it("running it again replaces what it copied instead of adding to it", async () => {
    const again = await cli(["migrate", "--to", db.url, "--db", file, "--json"], {});
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ documents: 4 });
    const store = await openIndex(db.url);
    expect((await store.counts()).documents).toBe(4);
    await store.close();
  });

  it("says what to do when --to is missing or not PostgreSQL, or there is no SQLite index", async () => {
    const none = await cli(["migrate", "--db", file], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/migrate --to postgres:\/\//);
    expect((await cli(["migrate", "--to", "other.db", "--db", file], {})).code).toBe(2);
    const missing = await cli(["migrate", "--to", db.url, "--db", path.join(tmp.dir, "nope.db")], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no index at .*nope\.db/);
  });
});
