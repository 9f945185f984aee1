import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { builtinVector } from "../src/embedding/builtin-embedder.js";
import { EmbeddingMismatchError } from "../src/errors.js";
import { checkIndex } from "../src/store/check.js";
import { checkStore, openIndex } from "../src/store/open-index.js";
import { openStore, type SqliteStore, type Store } from "../src/store/store.js";
import { buildFtsQuery } from "../src/text/fts-query.js";
import { ftsDocumentText } from "../src/text/terms.js";
import { describeEachBackend, type TestIndex } from "./helpers/backends.js";
import { testChunk, testDocument } from "./helpers/stored-chunks.js";
import { tempDir } from "./helpers/tmp.js";

const chunk = (text: string, page: number | null = null, headingPath: string[] = []) =>
  testChunk(text, { page, headingPath });

const doc = testDocument;

describeEachBackend("store on a real index", (backend) => {
  let index: TestIndex;
  let store: Store;
  beforeEach(async () => {
    index = await backend.create();
    store = await openIndex(index.db);
    await store.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
  });
  afterEach(async () => {
    await store.close();
    await index.drop();
  });

  it("records the embedding model and refuses another one with a reindex hint", async () => {
    expect(await store.indexInfo()).toEqual({ embedModel: "builtin", dimensions: 512 });
    await expect(store.ensureIndexInfo({ embedModel: "bge-m3", dimensions: 1024 })).rejects.toThrow(
      EmbeddingMismatchError,
    );
    await expect(store.ensureIndexInfo({ embedModel: "bge-m3", dimensions: 1024 })).rejects.toThrow(
      /--reindex/,
    );
  });

  it("knows which terms are in more than half of the chunks, and forgets when the index changes", async () => {
    // 300 chunks all mentioning the pump; "gasket" in one, "valve" in a third.
    const chunks = Array.from({ length: 300 }, (_, i) =>
      chunk(
        `The pump number ${i} is serviced.${i === 7 ? " The gasket is new." : ""}${i % 3 === 0 ? " Check the valve." : ""}`,
      ),
    );
    await store.replaceDocument(doc("pumps.md"), chunks);
    expect(await store.commonTerms(['"pump"', '"gasket"', '"valve"', '"pump number"'])).toEqual(
      new Set(['"pump"', '"pump number"']),
    );
    // Another 400 chunks without the pump: it is no longer in more than half of them.
    await store.replaceDocument(
      doc("other.md"),
      Array.from({ length: 400 }, (_, i) => chunk(`Harbour ferry timetable ${i}.`)),
    );
    expect(await store.commonTerms(['"pump"', '"gasket"'])).toEqual(new Set());
  });

  it("tells which of some chunks hold a term, among a few ids or all of them, a removed document's never", async () => {
    // "pump" in every other chunk, "gasket" in chunk 7 only; a deleted document's rows hold nothing.
    const ids = await store.replaceDocuments([
      {
        doc: doc("fleet.md"),
        chunks: Array.from({ length: 150 }, (_, i) =>
          chunk(`${i % 2 === 0 ? "The pump" : "The ferry"} number ${i}.${i === 7 ? " A new gasket." : ""}`),
        ),
      },
      { doc: doc("removed.md"), chunks: [chunk("The pump and its gasket, removed.")] },
    ]);
    const all = await store.chunkIds();
    const gone = (await store.documentChunks(ids[1] as number)).map((c) => c.chunkId);
    await store.deleteDocument(ids[1] as number);
    const kept = all.filter((id) => !gone.includes(id));
    const pumps = new Set(kept.filter((_, i) => i % 2 === 0));
    const few = [...kept.slice(0, 10), ...gone];
    expect(await store.matching('"pump"', few)).toEqual(new Set(few.filter((id) => pumps.has(id))));
    expect(await store.matching('"pump"', kept)).toEqual(pumps);
    expect(await store.matching('"gasket"', few)).toEqual(new Set([kept[7]]));
    expect(await store.matching('"gasket"', kept)).toEqual(new Set([kept[7]]));
    expect(await store.matching('"harbour"', kept)).toEqual(new Set());
  });

  it("keeps the rarest terms of a long question, in the question's order", async () => {
    const chunks = Array.from({ length: 300 }, (_, i) =>
      chunk(
        `The pump number ${i} is serviced.${i === 7 ? " The gasket is new." : ""}${i % 3 === 0 ? " Check the valve." : ""}`,
      ),
    );
    await store.replaceDocument(doc("pumps.md"), chunks);
    expect(await store.rarestTerms(['"pump"', '"valve"', '"gasket"'], 2)).toEqual(['"valve"', '"gasket"']);
    expect(await store.rarestTerms(['"pump"', '"gasket"'], 5)).toEqual(['"pump"', '"gasket"']);
  });

  it("a search for a common word with a rare one ranks as the rare word alone, without scoring every row", async () => {
    const chunks = Array.from({ length: 400 }, (_, i) =>
      chunk(`The pump of unit ${i} runs daily.${i === 123 ? " Its impeller was replaced." : ""}`),
    );
    await store.replaceDocument(doc("units.md"), chunks);
    const { lexicalCandidates } = await import("../src/retrieval/search-index.js");
    const ranked = async (query: string) =>
      (
        await lexicalCandidates(store, { query, k: 5, mode: "lexical" } as Parameters<
          typeof lexicalCandidates
        >[1])
      ).hits.map((h) => h.id);
    expect(await ranked("pump impeller")).toEqual(await ranked("impeller"));
    expect(await ranked("pump impeller")).toHaveLength(1);
    // Nothing but common words: still searched, never an empty query.
    expect((await ranked("pump runs daily")).length).toBeGreaterThan(0);
  });

  it("a hybrid search of nothing but common words leaves the ranking to the vector side; its words are searched without one", async () => {
    const chunks = Array.from({ length: 400 }, (_, i) =>
      chunk(
        i === 5
          ? "The unit pump of unit 5 runs daily."
          : `The pump of unit ${i} runs daily in hall ${i % 7}.`,
      ),
    );
    await store.replaceDocument(doc("units.md"), chunks);
    const { lexicalCandidates, searchIndex } = await import("../src/retrieval/search-index.js");
    const { createRetriever } = await import("../src/retrieval/retriever.js");
    const { OllamaUnavailableError } = await import("../src/errors.js");
    const request = (query: string, mode: "hybrid" | "lexical", vector = true) => ({
      query,
      k: 5,
      mode,
      queryVector: vector ? builtinVector(query) : undefined,
    });
    // Every word in every chunk: FTS5 would score all 400 rows by terms that weigh nothing.
    const hybrid = await lexicalCandidates(store, request("pump runs daily", "hybrid"));
    expect(hybrid.hits).toEqual([]);
    expect(hybrid.weightedOnly).toBe(true);
    const found = await searchIndex(store, request("pump runs daily", "hybrid"));
    expect(found.results).toHaveLength(5);
    // Asked for words only, or with no query vector, the words are searched as before.
    const words = await lexicalCandidates(store, request("pump runs daily", "lexical"));
    expect(words.hits.length).toBeGreaterThan(0);
    expect(words.weightedOnly).toBeUndefined();
    expect((await searchIndex(store, request("pump runs daily", "hybrid", false))).results).toHaveLength(5);
    // A rarer phrase of common words still counts: only the chunk that has it is a lexical candidate.
    const phrase = await lexicalCandidates(store, request("unit pump", "hybrid"));
    expect((await store.chunks(phrase.hits.map((h) => h.id))).map((c) => c.text)).toEqual([
      "The unit pump of unit 5 runs daily.",
    ]);
    // Ollama down in the middle of a hybrid search: the retriever searches the words in full after all.
    const down = {
      kind: "ollama" as const,
      model: "builtin",
      info: async () => ({ model: "builtin", dimensions: 512, contextLength: 512 }),
      embed: async () => {
        throw new OllamaUnavailableError("http://127.0.0.1:9");
      },
    };
    const retrieved = await createRetriever({ store, embedder: down }).retrieve("pump runs daily", { k: 5 });
    expect(retrieved.results.length).toBeGreaterThan(0);
  });

  it("finds Chinese text by a two-character word inside a longer run", async () => {
    await store.replaceDocument(doc("library.md"), [
      chunk("圖書逾期未還者，每本每日罰款五元。"),
      chunk("開館時間為週二至週日。"),
    ]);
    const q = buildFtsQuery("逾期罰款多少錢");
    const hits = await store.lexical(q.match ?? "", 5);
    expect(hits.length).toBeGreaterThan(0);
    expect((await store.chunks([hits[0]?.chunkId ?? -1]))[0]?.text).toContain("罰款");
  });

  it("finds English by stem through porter stemming", async () => {
    await store.replaceDocument(doc("kettle.md"), [
      chunk("Descaling the kettle every month keeps it quiet."),
      chunk("The lid opens with a button."),
    ]);
    const hits = await store.lexical(buildFtsQuery("how to descale").match ?? "", 5);
    expect((await store.chunks(hits.map((h) => h.chunkId)))[0]?.text).toMatch(/Descaling/);
  });

  it("vector KNN returns the nearest chunk, and a source filter scans only matching documents", async () => {
    await store.replaceDocument(doc("a/kettle.md"), [chunk("descale the kettle with citric acid")]);
    await store.replaceDocument(doc("b/kettle.md"), [chunk("descale the kettle with citric acid powder")]);
    await store.replaceDocument(doc("b/garden.md"), [chunk("water tomatoes in the morning")]);
    const q = builtinVector("descale kettle citric acid");
    const all = await store.vector(q, 3);
    expect(all).toHaveLength(3);
    expect(all[0]?.similarity).toBeGreaterThan(all[2]?.similarity ?? 1);
    const allowed = await store.chunkIdsWithSourcePrefix("b/");
    expect(allowed).toHaveLength(2);
    const filtered = await store.vector(q, 5, allowed);
    const sources = (await store.chunks(filtered.map((h) => h.chunkId))).map((c) => c.source);
    expect(sources).toEqual(["b/kettle.md", "b/garden.md"]);
  });

  it("replacing a document swaps all its chunks, vectors and FTS rows at once", async () => {
    await store.replaceDocument(doc("x.md"), [chunk("old alpha"), chunk("old beta")]);
    await store.replaceDocument({ ...doc("x.md"), hash: "new" }, [chunk("new gamma")]);
    expect(await store.counts()).toEqual({ documents: 1, chunks: 1 });
    expect(await store.lexical('"alpha"', 5)).toEqual([]);
    expect(await store.lexical('"gamma"', 5)).toHaveLength(1);
    expect((await store.documentByPath(path.join("/docs", "x.md")))?.hash).toBe("new");
    expect(await checkStore(store)).toEqual([]);
  });

  it("replaceDocuments stores several documents in one transaction, replacing those already there", async () => {
    await store.replaceDocument(doc("x.md"), [chunk("old alpha"), chunk("old beta")]);
    const ids = await store.replaceDocuments([
      { doc: { ...doc("x.md"), hash: "new" }, chunks: [chunk("new gamma")] },
      { doc: doc("y.md"), chunks: [chunk("delta one"), chunk("delta two")] },
      { doc: doc("empty.md"), chunks: [] },
    ]);
    expect(ids).toHaveLength(3);
    expect((await store.document(ids[1] ?? -1))?.source).toBe("y.md");
    expect(await store.counts()).toEqual({ documents: 3, chunks: 3 });
    expect(await store.lexical('"alpha"', 5)).toEqual([]);
    expect(await store.lexical('"delta"', 5)).toHaveLength(2);
    expect((await store.documentByPath(path.join("/docs", "x.md")))?.hash).toBe("new");
    expect(await checkStore(store)).toEqual([]);
  });

  it("replaceDocuments stores nothing when one document cannot be stored", async () => {
    const bad = { ...chunk("wrong width"), vector: new Float32Array(3) };
    await expect(
      store.replaceDocuments([
        { doc: doc("a.md"), chunks: [chunk("alpha")] },
        { doc: doc("b.md"), chunks: [bad] },
      ]),
    ).rejects.toThrow();
    expect(await store.counts()).toEqual({ documents: 0, chunks: 0 });
    expect(await checkStore(store)).toEqual([]);
  });

  it("deleting a document removes every trace", async () => {
    const id = await store.replaceDocument(doc("x.md"), [chunk("alpha"), chunk("beta")]);
    expect(await store.deleteDocument(id)).toBe(true);
    expect(await store.deleteDocument(id)).toBe(false);
    expect(await store.counts()).toEqual({ documents: 0, chunks: 0 });
    expect(await store.lexical('"alpha"', 5)).toEqual([]);
    expect(await store.vector(builtinVector("alpha"), 5)).toEqual([]);
    expect(await checkStore(store)).toEqual([]);
  });

  it("reset clears everything for a new model, and searches then use the new vectors' width", async () => {
    await store.replaceDocument(doc("x.md"), [chunk("alpha")]);
    // Searched before the reset: statements the store keeps prepared must follow the recreated tables.
    expect(await store.vector(builtinVector("alpha"), 1)).toHaveLength(1);
    expect(await store.vector(builtinVector("alpha"), 1, [1, 2])).toHaveLength(1);
    await store.reset({ embedModel: "bge-m3", dimensions: 1024 });
    expect(await store.counts()).toEqual({ documents: 0, chunks: 0 });
    expect(await store.indexInfo()).toEqual({ embedModel: "bge-m3", dimensions: 1024 });
    const wide = (text: string) => {
      const v = new Float32Array(1024);
      v.set(builtinVector(text));
      return v;
    };
    const [id] = await store.replaceDocuments([
      { doc: { ...doc("y.md"), embedModel: "bge-m3" }, chunks: [{ ...chunk("beta"), vector: wide("beta") }] },
    ]);
    const hits = await store.vector(wide("beta"), 1);
    expect(hits.map((h) => h.chunkId)).toHaveLength(1);
    expect(hits[0]?.similarity).toBeCloseTo(1, 5);
    expect(
      await store.vector(
        wide("beta"),
        1,
        hits.map((h) => h.chunkId),
      ),
    ).toEqual(hits);
    expect((await store.chunks(hits.map((h) => h.chunkId)))[0]?.documentId).toBe(id);
    expect(await store.lexical('"beta"', 5)).toHaveLength(1);
  });
});

describe("what only a SQLite index has (user_version, FTS5 rows, migrations)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  beforeEach(async () => {
    tmp = tempDir();
    store = openStore(path.join(tmp.dir, "index.db"));
    await store.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it("documentChunks reads one document's chunks in document order, whatever their ids", async () => {
    const [kettleId, otherId] = (await store.replaceDocuments([
      { doc: doc("kettle.md"), chunks: [chunk("first part", 1), chunk("second part", 2), chunk("third", 2)] },
      { doc: doc("other.md"), chunks: [chunk("elsewhere")] },
    ])) as [number, number];
    expect((await store.documentChunks(kettleId)).map((c) => [c.text, c.page, c.seq])).toEqual([
      ["first part", 1, 0],
      ["second part", 2, 1],
      ["third", 2, 2],
    ]);
    // Order is the chunks' place in the document (seq), not the order they were stored in.
    store.db.prepare("UPDATE chunks SET seq = 2 - seq WHERE document_id = ?").run(kettleId);
    expect((await store.documentChunks(kettleId)).map((c) => c.text)).toEqual([
      "third",
      "second part",
      "first part",
    ]);
    expect((await store.documentChunks(otherId)).map((c) => c.text)).toEqual(["elsewhere"]);
    expect(await store.documentChunks(otherId + 100)).toEqual([]);
  });

  it("checkIndex reports a chunk without its vector or FTS row", async () => {
    await store.replaceDocument(doc("x.md"), [chunk("alpha"), chunk("beta")]);
    const id = store.db.prepare("SELECT id FROM chunks LIMIT 1").pluck().get() as number;
    store.db.prepare("DELETE FROM chunks_vec WHERE rowid = ?").run(BigInt(id));
    store.db.prepare("DELETE FROM chunks_fts WHERE rowid = ?").run(id);
    const problems = checkIndex(store.db);
    expect(problems.join("\n")).toMatch(/1 chunk\(s\) have no vector/);
    expect(problems.join("\n")).toMatch(/2 chunks but 1 full-text rows/);
  });

  it("migrations are recorded in user_version and reopening keeps the data", async () => {
    await store.replaceDocument(doc("x.md"), [chunk("alpha")]);
    await store.close();
    store = openStore(path.join(tmp.dir, "index.db"));
    expect(store.db.pragma("user_version", { simple: true })).toBe(3);
    expect((await store.counts()).chunks).toBe(1);
  });

  it("an index from before script folding gets its full-text rows (and built-in vectors) rebuilt: either script then finds it", async () => {
    await store.replaceDocument({ ...doc("館規.md"), title: "館規" }, [
      chunk("圖書館的借閱規則", null, ["總則"]),
    ]);
    const [id] = await store.chunkIdsWithSourcePrefix("館規.md");
    // What schema 1 stored: Traditional characters as they are, title and heading in the context column.
    store.db.exec(`
      INSERT INTO chunks_fts(chunks_fts) VALUES ('delete-all');
      INSERT INTO chunks_fts(rowid, context, terms) VALUES (${id}, '館 規 總 則 館規 總則', '圖 書 館 借 閱 規 則 圖書 書館 借閱 閱規 規則');
      PRAGMA user_version = 1;
    `);
    const find = async (q: string) =>
      (await store.lexical(buildFtsQuery(q).match ?? "", 5)).map((h) => h.chunkId);
    expect(await find("图书馆")).toEqual([]);
    await store.close();

    const told: string[] = [];
    store = openStore(path.join(tmp.dir, "index.db"), { onUpgrade: (m) => told.push(m) });
    expect(told).toEqual([
      expect.stringContaining("Traditional and Simplified Chinese"),
      expect.stringContaining("look-alike Chinese characters"), // migration 3 checks, finds nothing
    ]);
    expect(store.db.pragma("user_version", { simple: true })).toBe(3);
    expect(await find("图书馆")).toEqual([id]);
    expect(await find("圖書館")).toEqual([id]);
    expect(await find("总则")).toEqual([id]); // the context column (heading) is rebuilt too
    // A built-in index's vectors are re-embedded the way ingest embeds them: context line, then text.
    const blob = store.db
      .prepare("SELECT embedding FROM chunks_vec WHERE rowid = ?")
      .pluck()
      .get(id) as Buffer;
    const stored = Array.from(new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4));
    expect(stored).toEqual(Array.from(builtinVector("館規 > 總則\n圖書館的借閱規則")));
    expect(stored).not.toEqual(Array.from(builtinVector("圖書館的借閱規則")));
    expect(checkIndex(store.db)).toEqual([]);
  });

  it("an index from before look-alike unification gets its stored text fixed, offsets intact, and its full-text rows and built-in vectors rebuilt", async () => {
    // What a Noto CJK PDF stored before: radicals in the title, the heading and the text.
    const text = "存⼊⾦額每⽉⽇結，⻓期有效";
    const real = "存入金額每月日結，长期有效";
    await store.replaceDocument({ ...doc("規則.pdf"), title: "⽉報" }, [
      { ...chunk(text, 2, ["⾦融"]), start: 40, end: 40 + text.length },
    ]);
    await store.replaceDocument(doc("plain.md"), [chunk("nothing to fix here")]);
    const [id] = await store.chunkIdsWithSourcePrefix("規則.pdf");
    // Schema 2's terms for it: radicals supplement forms (⻓) were no terms at all.
    store.db.exec(`DELETE FROM chunks_fts WHERE rowid = ${id}`);
    store.db
      .prepare("INSERT INTO chunks_fts(rowid, context, terms) VALUES (?, ?, ?)")
      .run(id, ftsDocumentText("月報 > 金融"), ftsDocumentText(text.replace("⻓", " ")));
    store.db.pragma("user_version = 2");
    const find = async (q: string) =>
      (await store.lexical(buildFtsQuery(q).match ?? "", 5)).map((h) => h.chunkId);
    expect(await find("长")).toEqual([]);
    await store.close();

    const told: string[] = [];
    store = openStore(path.join(tmp.dir, "index.db"), { onUpgrade: (m) => told.push(m) });
    expect(told).toEqual([
      expect.stringContaining("look-alike Chinese characters"),
      "Fixed look-alike characters in 1 document(s).",
    ]);
    expect(store.db.pragma("user_version", { simple: true })).toBe(3);
    const row = store.db
      .prepare("SELECT text, heading, start_offset AS start, end_offset AS end FROM chunks WHERE id = ?")
      .get(id);
    expect(row).toEqual({ text: real, heading: "金融", start: 40, end: 40 + real.length });
    expect((await store.documentByPath(path.join("/docs", "規則.pdf")))?.title).toBe("月報");
    expect((await store.documentByPath(path.join("/docs", "規則.pdf")))?.hash).toBe("h-規則.pdf"); // built-in: nothing to re-embed
    expect(await find("长")).toEqual([id]);
    expect(await find("金額")).toEqual([id]);
    const blob = store.db
      .prepare("SELECT embedding FROM chunks_vec WHERE rowid = ?")
      .pluck()
      .get(id) as Buffer;
    const stored = Array.from(new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4));
    expect(stored).toEqual(Array.from(builtinVector(`月報 > 金融\n${real}`)));
    expect(checkIndex(store.db)).toEqual([]);
  });
});
