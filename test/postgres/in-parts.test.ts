import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStore, openIndex } from "../../src/store/open-index.js";
import type { Store } from "../../src/store/store.js";
import { buildFtsQuery } from "../../src/text/fts-query.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { testChunk } from "../helpers/stored-chunks.js";

const chunk = (text: string) => testChunk(text);
const doc = (hash: string) => ({
  path: path.join("/big", "log.txt"),
  source: "log.txt",
  root: "/big",
  title: null,
  format: "text",
  hash,
  bytes: 1,
  pages: null,
  embedModel: "builtin",
});

describe.skipIf(noPostgres)("a large text stored in parts on PostgreSQL, in one transaction", () => {
  let db: TestDatabase;
  let writer: Store;
  let reader: Store;
  const found = async (word: string) => (await reader.lexical(buildFtsQuery(word).match ?? "", 5)).length;
  beforeAll(async () => {
    db = await freshDatabase();
    writer = await openIndex(db.url);
    reader = await openIndex(db.url);
    await writer.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
    await writer.replaceDocument(doc("v1"), [chunk("the old walrus"), chunk("the old heron")]);
  });
  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    await db?.drop();
  });

  it("shows other servers the old version until the last part is in, then the new one whole", async () => {
    const parts = await writer.replaceDocumentInParts(doc("v2"));
    await parts.add([chunk("a new pelican")]);
    await parts.add([chunk("a new albatross"), chunk("a new puffin")]);
    expect((await reader.listDocuments()).map((d) => d.hash)).toEqual(["v1"]);
    expect(await found("walrus")).toBe(1);
    expect(await found("albatross")).toBe(0);
    const id = await parts.commit();
    expect((await reader.listDocuments()).map((d) => [d.id, d.hash, d.chunkCount])).toEqual([[id, "v2", 3]]);
    expect(await found("walrus")).toBe(0);
    expect(await found("albatross")).toBe(1);
    expect((await reader.documentChunks(id)).map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(await checkStore(reader)).toEqual([]);
  });

  it("keeps the previous version whole when a part fails or the write is given up", async () => {
    const parts = await writer.replaceDocumentInParts(doc("v3"));
    await parts.add([chunk("a doomed gannet")]);
    await expect(parts.add([{ ...chunk("wrong width"), vector: new Float32Array(3) }])).rejects.toThrow(
      /--reindex/,
    );
    await parts.rollback();
    expect((await reader.listDocuments()).map((d) => d.hash)).toEqual(["v2"]);
    expect(await found("gannet")).toBe(0);
    expect(await checkStore(reader)).toEqual([]);
    // The connection went back to the pool in a usable state.
    expect((await writer.counts()).chunks).toBe(3);
  });
});
