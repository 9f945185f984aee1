import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestEvent } from "../ingest/ingest-report.js";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import { createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import { checkIndex } from "../src/store/check.js";
import { openStore, type SqliteStore, type Store } from "../src/store/store.js";
import { tempDir } from "./helpers/tmp.js";

/** `store` that records how many documents each of its commits (`replaceDocuments`) holds. */
function countingCommits(store: Store): { counting: Store; calls: number[] } {
  const calls: number[] = [];
  const replaceDocuments = store.replaceDocuments.bind(store);
  return {
    counting: {
      ...store,
      replaceDocuments(batch) {
        calls.push(batch.length);
        return replaceDocuments(batch);
      },
    },
    calls,
  };
}

/** The ingest pipeline in-process, with the built-in embedder: how documents are committed. */
describe("ingest pipeline commits", () => {
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let store: SqliteStore;
  const config = () => loadConfig({ GROUNDED_DB: path.join(tmp.dir, "index.db"), GROUNDED_EMBED_BATCH: "4" });

  beforeEach(async () => {
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    for (let i = 0; i < 30; i++) {
      const paras = Array.from({ length: 1 + (i % 4) }, (_, p) =>
        `Paragraph ${p} of file ${i}. `.repeat(200),
      );
      fs.writeFileSync(
        path.join(docs, `f${String(i).padStart(2, "0")}.md`),
        `# File ${i}\n\n${paras.join("\n\n")}`,
      );
    }
    store = openStore(path.join(tmp.dir, "index.db"));
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  it("stores many documents in few transactions, reports each only once stored", async () => {
    const { counting, calls } = countingCommits(store);
    const events: IngestEvent[] = [];
    const summary = await ingest(
      { store: counting, embedder: createBuiltinEmbedder(), config: config() },
      {
        roots: [docs],
        onEvent: (e) => {
          if (e.type === "file") {
            // A reported file is already in the index, whole.
            const stored = store.db.prepare("SELECT chunk_count FROM documents WHERE path = ?").pluck();
            expect(stored.get(e.path)).toBe(e.chunks);
            events.push(e);
          }
        },
      },
    );
    expect(summary.added).toBe(30);
    expect(events.filter((e) => e.type === "file" && e.status === "added")).toHaveLength(30);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(30);
    expect(calls.length).toBeLessThan(30);
    expect(await store.counts()).toEqual({ documents: 30, chunks: summary.chunks });
    expect(checkIndex(store.db)).toEqual([]);
  });

  it("commits at every wait on the model on this thread, and by size and age when commits run on another", async () => {
    const countCommits = async (commitsOffThread: boolean, db: string) => {
      const target = openStore(path.join(tmp.dir, db));
      const { counting, calls } = countingCommits(target);
      const started = performance.now();
      const summary = await ingest(
        {
          store: counting,
          embedder: createBuiltinEmbedder(),
          config: config(),
          commitsOffThread: () => commitsOffThread,
        },
        { roots: [docs], calibrate: false },
      );
      expect(summary.added).toBe(30);
      expect(calls.reduce((a, b) => a + b, 0)).toBe(30);
      expect(await target.counts()).toEqual({ documents: 30, chunks: summary.chunks });
      await target.close();
      return { commits: calls.length, chunks: summary.chunks, seconds: (performance.now() - started) / 1000 };
    };
    const here = await countCommits(false, "here.db");
    const elsewhere = await countCommits(true, "elsewhere.db");
    // ~300 chunks in embedding batches of 4: here a commit whenever the batcher waits on the model (11 on
    // the machine this was written on); on another thread one per 512 chunks or second, and the last.
    expect(elsewhere.commits).toBeLessThanOrEqual(
      Math.ceil(elsewhere.chunks / 512) + Math.ceil(elsewhere.seconds) + 1,
    );
    expect(here.commits).toBeGreaterThan(elsewhere.commits + 2);
  });

  it("a commit that fails fails its files with the reason; the run goes on and keeps the previous versions", async () => {
    await ingest({ store, embedder: createBuiltinEmbedder(), config: config() }, { roots: [docs] });
    for (let i = 0; i < 30; i++)
      fs.appendFileSync(path.join(docs, `f${String(i).padStart(2, "0")}.md`), "\n\nMore.");
    let failOnce = true;
    const failing: Store = {
      ...store,
      async replaceDocuments(batch) {
        if (failOnce) {
          failOnce = false;
          throw new Error("disk I/O error");
        }
        return await store.replaceDocuments(batch);
      },
    };
    const summary = await ingest(
      { store: failing, embedder: createBuiltinEmbedder(), config: config() },
      { roots: [docs] },
    );
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.updated + summary.failed).toBe(30);
    expect(summary.failures[0]?.reason).toBe(
      "embedding failed, the previous version stays in the index: Error: disk I/O error",
    );
    expect((await store.counts()).documents).toBe(30);
    expect(checkIndex(store.db)).toEqual([]);
  });
});
