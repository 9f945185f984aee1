import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openIndex } from "../../src/store/open-index.js";
import type { Store } from "../../src/store/store.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { testChunk } from "../helpers/stored-chunks.js";

const chunk = (text: string) => testChunk(text);

describe.skipIf(noPostgres)("per-term questions asked at once are answered together, as one by one", () => {
  let db: TestDatabase;
  let store: Store;
  let ids: number[];
  beforeAll(async () => {
    db = await freshDatabase();
    store = await openIndex(db.url);
    await store.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
    const texts = ["the kettle descales", "借阅规则 kettle", "garden hose", "借閱期限", "kettle kettle lid"];
    const doc = {
      root: "/d",
      title: null,
      format: "text",
      hash: "h",
      bytes: 1,
      pages: null,
      embedModel: "builtin",
    };
    await store.replaceDocument(
      { ...doc, path: path.join("/d", "a.txt"), source: "a.txt" },
      texts.map(chunk),
    );
    ids = await store.chunkIds();
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("document frequencies and holders", async () => {
    const terms = ['"kettle"', '"借阅"', '"hose"', '"absent"', '"kettles"', '"lid kettle"'];
    const together = await Promise.all(terms.map((t) => store.countMatching(t)));
    const alone: number[] = [];
    for (const t of terms) alone.push(await store.countMatching(t));
    expect(together).toEqual(alone);
    expect(together.slice(0, 5)).toEqual([3, 2, 1, 0, 3]);
    expect(await store.countMatching('"kettle"', 2)).toBe(2);
    const held = await Promise.all(terms.map((t) => store.matching(t, ids)));
    const one: Set<number>[] = [];
    for (const t of terms) one.push(await store.matching(t, ids.slice()));
    expect(held).toEqual(one);
    expect(held[1]?.size).toBe(2); // Traditional 借閱 is folded to Simplified at ingest
    expect(await store.matching('"kettle"', [])).toEqual(new Set());
  });
});
