import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectPostgres, type Sql } from "../../src/store/postgres/connection.js";
import { bm25Search, essentialTerms } from "../../src/store/postgres/lexical.js";
import { migratePostgres } from "../../src/store/postgres/schema.js";
import { ensureIndexInfo, replaceDocuments } from "../../src/store/postgres/writes.js";
import { openStore, type Store } from "../../src/store/store.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { testChunk } from "../helpers/stored-chunks.js";
import { tempDir } from "../helpers/tmp.js";

/**
 * BM25 on PostgreSQL reads only the rows holding a query's rarer terms when the commoner ones cannot lift
 * another row into the top k (MaxScore, lexical.ts). On an index where that shortcut is taken, and where it
 * must not be (a row holding only the commoner term outscores a row holding the rare one), the top k is
 * FTS5's: same chunks, same order, same scores.
 */
const chunk = (text: string) => testChunk(text);

const FILLER = "river hill meadow stone cloud forest valley harbor bridge tower".split(" ");
const filler = (i: number, n: number) => Array.from({ length: n }, (_, j) => FILLER[(i + j) % 10]).join(" ");

// 600 chunks: "zebra" in two (one short, one long), "lion" in 120 (one of them four times in five words),
// "river" in most.
const TEXTS = [
  "zebra grazes",
  `zebra ${filler(0, 80)}`,
  "lion lion lion lion roars",
  ...Array.from({ length: 119 }, (_, i) => `a lion sleeps ${filler(i, 12)}`),
  ...Array.from({ length: 478 }, (_, i) => `plain ${filler(i, 8)} number${i}`),
];

describe.skipIf(noPostgres)("BM25 on PostgreSQL without scoring every matching row", () => {
  let db: TestDatabase;
  let sql: Sql;
  let lite: Store;
  const tmp = tempDir();
  const names = new Map<number, string>();
  beforeAll(async () => {
    db = await freshDatabase();
    sql = await connectPostgres(db.url);
    await migratePostgres(sql, db.url);
    await ensureIndexInfo(sql, { embedModel: "builtin", dimensions: 512 });
    lite = openStore(path.join(tmp.dir, "index.db"));
    await lite.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
    const docs = TEXTS.map((t, i) => ({
      doc: {
        path: `/docs/d${i}.md`,
        source: `d${i}.md`,
        root: "/docs",
        title: null,
        format: "markdown",
        hash: `h${i}`,
        bytes: 10,
        pages: null,
        embedModel: "builtin",
      },
      chunks: [chunk(t)],
    }));
    await lite.replaceDocuments(docs);
    await replaceDocuments(sql, docs);
    for (const r of await sql<{ id: number; source: string }[]>`
      SELECT c.id, d.source FROM chunks c JOIN documents d ON d.id = c.document_id`)
      names.set(r.id, r.source);
  }, 60_000);
  afterAll(async () => {
    await lite?.close();
    tmp.cleanup();
    await sql?.end();
    await db?.drop();
  });

  const liteTop = async (match: string, k: number) => {
    const hits = await lite.lexical(match, k);
    const sources = new Map(
      (await lite.chunks(hits.map((h) => h.chunkId))).map((c) => [c.chunkId, c.source]),
    );
    return hits.map((h) => ({ source: sources.get(h.chunkId), score: h.score }));
  };
  const pgTop = async (match: string, k: number, everyRow = false) =>
    (await bm25Search(sql, match, k, undefined, { everyRow })).map((h) => ({
      source: names.get(h.chunkId),
      score: h.score,
    }));
  const expectSame = (
    got: { source?: string; score: number }[],
    want: { source?: string; score: number }[],
  ) => {
    expect(got.map((h) => h.source)).toEqual(want.map((h) => h.source));
    for (const [i, h] of got.entries()) expect(h.score).toBeCloseTo(want[i]?.score ?? 0, 6);
  };

  it("splits a query's terms into the rare ones to read and the common ones whose bound is too low", () => {
    // N = 600: budget max(50 k, N / 50) = 100 rows for k = 2, so "zebra" (2 rows) is read first, "lion"
    // (120) is not, and "lion" must be read once the second-best score found is at most its bound.
    const weights = [
      { df: 120, idf: Math.log((600 - 120 + 0.5) / 120.5) },
      { df: 2, idf: Math.log((600 - 2 + 0.5) / 2.5) },
    ];
    const plan = essentialTerms(weights, 2, 600);
    expect(plan.order).toEqual([1, 0]);
    expect(plan.first).toBe(1);
    const lionBound = (weights[0]?.idf ?? 0) * 2.2;
    expect(plan.needed(lionBound * 1.01)).toBe(1);
    expect(plan.needed(lionBound)).toBe(2);
  });

  it("returns FTS5's top k when rows holding only the common term cannot reach it", async () => {
    for (const k of [1, 2, 5, 20]) {
      const match = '"zebra" OR "river"';
      const want = await liteTop(match, k);
      expect(want.length).toBe(k);
      expectSame(await pgTop(match, k), want);
    }
  });

  it("returns FTS5's top k when a row holding only the commoner term outscores one holding the rare term", async () => {
    const match = '"zebra" OR "lion"';
    const want = await liteTop(match, 2);
    // The short row repeating "lion" beats the long row that mentions "zebra" once: reading only the rows
    // that hold "zebra" would miss it.
    expect(want.map((h) => h.source)).toEqual(["d0.md", "d2.md"]);
    expectSame(await pgTop(match, 2), want);
    for (const k of [1, 3, 10, 70]) expectSame(await pgTop(match, k), await liteTop(match, k));
    expectSame(await pgTop(match, 10), await pgTop(match, 10, true));
  });
});
