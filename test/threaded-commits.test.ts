import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitOnThread, type ThreadedCommits } from "../ingest/threaded-commits.js";
import { createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import { CALIBRATION_KEY, ensureCalibration } from "../src/retrieval/calibration.js";
import { checkIndex } from "../src/store/check.js";
import { openStore, type SqliteStore } from "../src/store/store.js";
import { testChunk, testDocument } from "./helpers/stored-chunks.js";
import { tempDir } from "./helpers/tmp.js";

const chunk = (text: string) => testChunk(text);

const doc = (name: string) => testDocument(name, "/notes");

const WORDS =
  "kettle descale water lid filter boil steam tomato garden seed spring frost ledger invoice tax audit river bridge train ticket violin concert piano score".split(
    " ",
  );

/** Forty notes of three chunks, sentences of varied words (a calibration needs documents to tell apart). */
function notes() {
  let state = 7;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  const sentence = () =>
    `${Array.from({ length: 8 + (next() % 10) }, () => WORDS[next() % WORDS.length]).join(" ")}.`;
  return Array.from({ length: 40 }, (_, d) => ({
    doc: doc(`note-${d}.md`),
    chunks: Array.from({ length: 3 }, () => chunk(`${sentence()} ${sentence()} ${sentence()}`)),
  }));
}

/** Changes made through the main connection (SQLite counts only its own). */
const ownChanges = (store: SqliteStore) => store.db.prepare("SELECT total_changes()").pluck().get() as number;

describe("committing an ingest's documents on a thread of its own (ingest/threaded-commits.ts)", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let commits: ThreadedCommits;
  beforeEach(async () => {
    tmp = tempDir();
    store = openStore(path.join(tmp.dir, "index.db"));
    await store.ensureIndexInfo({ embedModel: "builtin", dimensions: 512 });
    commits = commitOnThread(store);
  });
  afterEach(async () => {
    await commits.close();
    await store.close();
    tmp.cleanup();
  });

  it("writes through the thread's connection, whole documents in order, and the index reads them at once", async () => {
    expect(await commits.ready).toBe(true);
    const before = ownChanges(store);
    const ids = await commits.store.replaceDocuments([
      { doc: doc("a.md"), chunks: [chunk("descale the kettle monthly"), chunk("the lid opens")] },
      { doc: doc("b.md"), chunks: [chunk("water tomatoes in the morning")] },
    ]);
    await commits.store.replaceDocuments([
      { doc: { ...doc("a.md"), hash: "new" }, chunks: [chunk("descale the kettle weekly")] },
    ]);
    expect(ownChanges(store)).toBe(before);
    expect(ids).toHaveLength(2);
    expect(await store.counts()).toEqual({ documents: 2, chunks: 2 });
    expect((await store.documentByPath(path.join("/notes", "a.md")))?.hash).toBe("new");
    expect((await store.document(ids[1] ?? -1))?.source).toBe("b.md");
    expect(await store.lexical('"weekly"', 5)).toHaveLength(1);
    expect(await store.lexical('"monthly"', 5)).toEqual([]);
    expect(checkIndex(store.db)).toEqual([]);
  });

  it("a commit that fails rejects with the store's error and stores nothing of it", async () => {
    expect(await commits.ready).toBe(true);
    const wrongWidth = { ...chunk("too short"), vector: new Float32Array(3) };
    await expect(
      commits.store.replaceDocuments([
        { doc: doc("a.md"), chunks: [chunk("alpha")] },
        { doc: doc("b.md"), chunks: [wrongWidth] },
      ]),
    ).rejects.toThrow(/dimension/i);
    expect(await store.counts()).toEqual({ documents: 0, chunks: 0 });
    // The thread goes on committing what comes next.
    await commits.store.replaceDocuments([{ doc: doc("c.md"), chunks: [chunk("gamma")] }]);
    expect(await store.counts()).toEqual({ documents: 1, chunks: 1 });
  });

  it("commits on the store itself when the thread is gone", async () => {
    expect(await commits.ready).toBe(true);
    expect(commits.offThread()).toBe(true);
    await commits.close();
    expect(commits.offThread()).toBe(false);
    const before = ownChanges(store);
    await commits.store.replaceDocuments([{ doc: doc("a.md"), chunks: [chunk("alpha")] }]);
    expect(ownChanges(store)).toBeGreaterThan(before);
    expect(await store.counts()).toEqual({ documents: 1, chunks: 1 });
  });

  it("measures half of the calibration on the thread, and the calibration is the one measured in-process", async () => {
    expect(await commits.ready).toBe(true);
    await commits.store.replaceDocuments(notes());
    const embedder = createBuiltinEmbedder();
    const alone = await ensureCalibration(store, embedder);
    expect(alone?.lexical).toHaveLength(160);
    expect(alone?.similarity?.length).toBeGreaterThan(100);
    await store.setMeta(CALIBRATION_KEY, "");
    let shared = 0;
    const measureShare = commits.measureShare;
    if (!measureShare) throw new Error("a file index has a commit thread");
    const split = await ensureCalibration(store, embedder, undefined, (questions, vectors) => {
      shared = questions.length;
      return measureShare(questions, vectors);
    });
    expect(shared).toBe(80);
    expect(split).toEqual(alone);
    // A thread that has stopped: its share is measured here, and the calibration is still the same.
    await commits.close();
    await store.setMeta(CALIBRATION_KEY, "");
    expect(await ensureCalibration(store, embedder, undefined, measureShare)).toEqual(alone);
  });

  it("an index in memory keeps its commits on the store", async () => {
    const memory = openStore(":memory:");
    const inline = commitOnThread(memory);
    expect(await inline.ready).toBe(false);
    expect(inline.store).toBe(memory);
    expect(inline.measureShare).toBeUndefined();
    expect(inline.offThread()).toBe(false);
    await inline.close();
    await memory.close();
  });
});
