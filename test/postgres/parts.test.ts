import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtinVector } from "../../src/embedding/builtin-embedder.js";
import { EmbeddingMismatchError, IndexUnavailableError } from "../../src/errors.js";
import { connectPostgres, type Sql } from "../../src/store/postgres/connection.js";
import { bm25Search, countMatching, matchingIds, termFrequencies } from "../../src/store/postgres/lexical.js";
import { migratePostgres } from "../../src/store/postgres/schema.js";
import { pgKnn } from "../../src/store/postgres/vectors.js";
import {
  deleteDocument,
  ensureIndexInfo,
  readIndexInfo,
  replaceDocuments,
  resetIndex,
} from "../../src/store/postgres/writes.js";
import { openStore } from "../../src/store/store.js";
import { buildFtsQuery } from "../../src/text/fts-query.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { testChunk, testDocument } from "../helpers/stored-chunks.js";
import { tempDir } from "../helpers/tmp.js";

const chunk = (text: string, context = "") => testChunk(text, { context });

const doc = testDocument;

const TEXTS = [
  "Descale the kettle once a month in a hard-water area, or every three months where the water is soft.",
  "The descale light turns orange after 100 boils as a reminder to descale.",
  "Water the tomatoes with rain water in the morning; tomatoes dislike cold water.",
  "Printing from the library needs a card; the printer is on the second floor.",
  "圖書逾期歸還，每本每天罰款新台幣 5 元；視聽資料每件每天罰款 10 元。",
  "借阅规则：每人最多借阅十本图书，借期三十天。",
  "The incubation period of the virus is five days; a long incubation is rare.",
  "Period of incubation varies, and the virus spreads before symptoms.",
];

describe.skipIf(noPostgres)("PostgreSQL index parts on a real server", () => {
  let db: TestDatabase;
  let sql: Sql;
  beforeAll(async () => {
    db = await freshDatabase();
    sql = await connectPostgres(db.url);
    await migratePostgres(sql, db.url);
    await ensureIndexInfo(sql, { embedModel: "builtin", dimensions: 512 });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it("migrates once, even when two servers open a new index at the same moment", async () => {
    const other = await connectPostgres(db.url);
    try {
      await Promise.all([migratePostgres(sql, db.url), migratePostgres(other, db.url)]);
      const [row] = await sql`SELECT value FROM meta WHERE key = 'schema_version'`;
      expect(row?.value).toBe("1");
    } finally {
      await other.end();
    }
  });

  it("refuses another embedding model with the reindex hint", async () => {
    await expect(ensureIndexInfo(sql, { embedModel: "bge-m3", dimensions: 1024 })).rejects.toThrow(
      EmbeddingMismatchError,
    );
    const bad = { doc: { ...doc("x.md"), embedModel: "bge-m3" }, chunks: [chunk("text")] };
    await expect(replaceDocuments(sql, [bad])).rejects.toThrow(/--reindex/);
    expect(await readIndexInfo(sql)).toEqual({ embedModel: "builtin", dimensions: 512 });
  });

  it("ranks by the same BM25 as SQLite's FTS5, in English and Chinese, across scripts", async () => {
    const tmp = tempDir();
    const lite = openStore(path.join(tmp.dir, "index.db"));
    try {
      await lite.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
      const docs = TEXTS.map((t, i) => ({ doc: doc(`d${i}.md`), chunks: [chunk(t, `Doc ${i}`)] }));
      await lite.replaceDocuments(docs);
      await replaceDocuments(sql, docs);
      const pgPath = new Map(
        (
          await sql<
            { id: number; path: string }[]
          >`SELECT c.id, d.path FROM chunks c JOIN documents d ON d.id = c.document_id`
        ).map((r) => [r.id, r.path]),
      );
      const litePath = new Map(
        (await lite.chunks([1, 2, 3, 4, 5, 6, 7, 8])).map((c) => [c.chunkId, c.source]),
      );
      for (const question of [
        "How often should I descale the kettle?",
        "What should I water the tomatoes with?",
        "incubation period",
        "圖書逾期一天罰款多少？",
        "借閱規則", // Traditional question, Simplified document
      ]) {
        const match = buildFtsQuery(question).match as string;
        const fromLite = (await lite.lexical(match, 10)).map((h) => ({
          source: litePath.get(h.chunkId),
          score: h.score,
        }));
        const fromPg = (await bm25Search(sql, match, 10)).map((h) => ({
          source: path.basename(pgPath.get(h.chunkId) ?? ""),
          score: h.score,
        }));
        expect(
          fromPg.map((h) => h.source),
          question,
        ).toEqual(fromLite.map((h) => h.source));
        for (const [i, h] of fromPg.entries())
          expect(h.score, question).toBeCloseTo(fromLite[i]?.score ?? 0, 6);
        expect(fromPg.length, question).toBeGreaterThan(0);
      }
    } finally {
      await lite.close();
      tmp.cleanup();
    }
  });

  it("counts and filters matches; document frequencies follow replacements and deletions", async () => {
    const one = await replaceDocuments(sql, [
      { doc: doc("df.md"), chunks: [chunk("zebra zebra"), chunk("zebra lion")] },
    ]);
    expect(await countMatching(sql, '"zebra"', 100)).toBe(2);
    expect(await countMatching(sql, '"zebras"', 100)).toBe(2); // stemmed alike
    expect(await countMatching(sql, '"zebra" OR "lion"', 1)).toBe(1);
    expect((await termFrequencies(sql, ["zebra", "zebra lion", "okapi"], 100)).get("zebra lion")).toBe(1);
    await replaceDocuments(sql, [{ doc: doc("df.md"), chunks: [chunk("lion only")] }]);
    expect(await termFrequencies(sql, ["zebra", "lion"], 100)).toEqual(
      new Map([
        ["zebra", 0],
        ["lion", 1],
      ]),
    );
    const ids = (await sql<{ id: number }[]>`SELECT id FROM chunks`).map((r) => r.id);
    expect((await matchingIds(sql, '"lion"', ids)).size).toBe(1);
    expect(
      await deleteDocument(
        sql,
        (await sql`SELECT id FROM documents WHERE path = ${doc("df.md").path}`)[0]?.id,
      ),
    ).toBe(true);
    expect(await countMatching(sql, '"lion"', 100)).toBe(0);
    expect(one).toHaveLength(1);
    // term_df and index_stats agree with the chunks themselves.
    const [drift] = await sql`
      SELECT count(*)::int AS n FROM term_df t FULL JOIN (
        SELECT lexeme, count(*)::int AS df FROM chunks, unnest(tsvector_to_array(terms)) AS lexeme GROUP BY lexeme) r
      ON r.lexeme = t.term WHERE coalesce(t.df, 0) <> coalesce(r.df, 0)`;
    expect(drift?.n).toBe(0);
    const [stats] = await sql`SELECT chunks, term_tokens FROM index_stats`;
    const [real] =
      await sql`SELECT count(*) AS chunks, coalesce(sum(term_count), 0)::int8 AS term_tokens FROM chunks`;
    expect(stats).toEqual(real);
  });

  it("two ingests of one file at once leave one document", async () => {
    const write = (text: string) => replaceDocuments(sql, [{ doc: doc("race.md"), chunks: [chunk(text)] }]);
    const other = await connectPostgres(db.url);
    try {
      await Promise.all([
        write("first version"),
        replaceDocuments(other, [{ doc: doc("race.md"), chunks: [chunk("second version")] }]),
        write("third version"),
      ]);
    } finally {
      await other.end();
    }
    const rows = await sql`SELECT id FROM documents WHERE path = ${doc("race.md").path}`;
    expect(rows).toHaveLength(1);
    const [chunks] = await sql`SELECT count(*)::int AS n FROM chunks WHERE document_id = ${rows[0]?.id}`;
    expect(chunks?.n).toBe(1);
  });

  it("finds the nearest vectors through HNSW as an exact scan does, with and without a filter", async () => {
    const query = builtinVector("descale the kettle");
    const fast = await pgKnn(sql, query, 5, undefined);
    const exact = await pgKnn(sql, query, 5, undefined, { exact: true });
    expect(fast.map((h) => h.chunkId)).toEqual(exact.map((h) => h.chunkId));
    expect(fast[0]?.similarity).toBeGreaterThan(0.3);
    const allowed = exact.slice(2).map((h) => h.chunkId);
    expect((await pgKnn(sql, query, 5, allowed)).map((h) => h.chunkId)).toEqual(allowed);
    expect(await pgKnn(sql, query, 5, [])).toEqual([]);
  });

  it("a reset empties the index and records the new model", async () => {
    await resetIndex(sql, { embedModel: "other", dimensions: 8 });
    expect(await readIndexInfo(sql)).toEqual({ embedModel: "other", dimensions: 8 });
    const [n] = await sql`SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM term_df) AS n`;
    expect(n?.n).toBe(0);
    expect(await pgKnn(sql, new Float32Array(8).fill(1), 3, undefined)).toEqual([]);
  });

  it("says what to do when pgvector is missing or the server cannot be reached", async () => {
    const bare = await freshDatabase({ vector: false });
    const { testPostgres } = await import("../helpers/postgres.js");
    // A role that may not create extensions: the error names pgvector and CREATE EXTENSION.
    const admin = await connectPostgres(testPostgres as string);
    const role = `grounded_t_role_${Date.now()}`;
    await admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'x'`);
    const url = new URL(bare.url);
    url.username = role;
    url.password = "x";
    const weak = await connectPostgres(url.href);
    try {
      await expect(migratePostgres(weak, url.href)).rejects.toThrow(/CREATE EXTENSION vector/);
      await expect(migratePostgres(weak, url.href)).rejects.not.toThrow(/:x@/);
    } finally {
      await weak.end();
      await bare.drop();
      await admin.unsafe(`DROP ROLE ${role}`);
      await admin.end();
    }
    await expect(connectPostgres("postgres://nobody:secret@127.0.0.1:1/none")).rejects.toThrow(
      IndexUnavailableError,
    );
    await expect(connectPostgres("postgres://nobody:secret@127.0.0.1:1/none")).rejects.toThrow(
      /server is running/,
    );
  });
});
