import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCommitQueue } from "../ingest/commit-queue.js";
import type { FileJob } from "../ingest/file-job.js";
import { openStore, type SqliteStore, type Store } from "../src/store/store.js";
import { testChunk } from "./helpers/stored-chunks.js";
import { tempDir } from "./helpers/tmp.js";

/** A complete document of `n` chunks, as the pipeline hands it to the commit queue. */
function job(name: string, n: number): FileJob {
  const chunks = Array.from({ length: n }, (_, i) => testChunk(`Note ${name}, line ${i}: rinse the filter.`));
  return {
    path: path.join("/notes", name),
    source: name,
    root: "/notes",
    hash: `h-${name}`,
    bytes: 100,
    title: null,
    format: "markdown",
    pages: null,
    existed: false,
    note: undefined,
    chunks: chunks.map(({ context: _context, vector: _vector, ...c }) => c),
    contexts: chunks.map(() => ""),
    vectors: chunks.map((c) => c.vector),
    remaining: 0,
    failed: false,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("the ingest's commit queue (ingest/commit-queue.ts)", () => {
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

  it("holds the ingest back while commits that run elsewhere fall behind, and lets it go once they are stored", async () => {
    // Commits that do not finish until released, as on a thread behind a slow disk.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    const slow: Store = {
      ...store,
      async replaceDocuments(docs) {
        started++;
        await released;
        return store.replaceDocuments(docs);
      },
    };
    const stored: string[] = [];
    const queue = createCommitQueue({
      store: slow,
      embedModel: "builtin",
      onStored: (j) => stored.push(j.source),
      onFailed: (_j, e) => {
        throw e;
      },
    });
    // One document of 600 chunks: a commit of its own (over 512), well under the limit.
    queue.complete([job("a.md", 600)]);
    await queue.room();
    // Three more: 2,400 chunks sent and not stored, over the limit of 2,048.
    for (const name of ["b.md", "c.md", "d.md"]) queue.complete([job(name, 600)]);
    let roomy = false;
    const room = queue.room().then(() => {
      roomy = true;
    });
    await tick();
    expect(started).toBe(1);
    expect(roomy).toBe(false);
    release();
    await room;
    expect(roomy).toBe(true);
    await queue.flush();
    expect(stored).toEqual(["a.md", "b.md", "c.md", "d.md"]);
    expect(await store.counts()).toEqual({ documents: 4, chunks: 2400 });
  });
});
