import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onceEachFailure } from "../cli/watching.js";
import { createIndexWriter } from "../ingest/index-writer.js";
import type { IngestEvent } from "../ingest/ingest-report.js";
import { type FolderWatch, watchFolder } from "../ingest/watch.js";
import { loadConfig } from "../src/config.js";
import { createOllamaClient } from "../src/ollama/client.js";
import { openIndex } from "../src/store/open-index.js";
import type { Store } from "../src/store/store.js";
import { cli } from "./helpers/app.js";
import { describeEachBackend, type TestIndex } from "./helpers/backends.js";
import { tempDir } from "./helpers/tmp.js";
import { until } from "./helpers/until.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

describeEachBackend("watching a folder keeps the index in sync with real file changes", (backend) => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let index: TestIndex;
  let store: Store;
  let watch: FolderWatch;
  let docs: string;
  const synced: number[] = [];
  const moves: string[] = [];
  const embeds = () => ollama.requestsTo("/api/embed").length;
  const doc = (name: string) => store.documentByPath(path.join(docs, name));

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(path.join(docs, "sub"), { recursive: true });
    fs.writeFileSync(path.join(docs, "first.md"), "# First\n\nThe first note is about apples.\n");
    index = await backend.create();
    const config = loadConfig({ OLLAMA_HOST: ollama.url, GROUNDED_DB: index.db });
    store = await openIndex(config.db);
    const writer = createIndexWriter({
      config,
      store,
      client: createOllamaClient({ host: config.ollamaHost, timeoutMs: 10_000 }),
      onMove: (from, to) => moves.push(`${path.basename(from)}->${path.basename(to)}`),
    });
    watch = watchFolder(writer, docs, {
      debounceMs: 100,
      rescanMs: 60_000,
      onSynced: () => synced.push(Date.now()),
    });
    await until("the first sync", () => synced.length > 0);
  });
  afterAll(async () => {
    watch?.close();
    await watch?.idle();
    await store?.close();
    await ollama?.close();
    await index?.drop();
    tmp?.cleanup();
  });

  it("indexes what is there when the watch starts", async () => {
    expect((await doc("first.md"))?.source).toBe("first.md");
  });

  it("adds a new file in a subfolder", async () => {
    fs.writeFileSync(
      path.join(docs, "sub", "pears.md"),
      "# Pears\n\nPears ripen off the tree in a cool room.\n",
    );
    const added = await until("sub/pears.md in the index", () => doc("sub/pears.md"));
    expect(added.source).toBe("sub/pears.md");
    expect(added.chunkCount).toBeGreaterThan(0);
  });

  it("re-embeds a changed file", async () => {
    const before = await doc("first.md");
    const calls = embeds();
    fs.writeFileSync(path.join(docs, "first.md"), "# First\n\nThe first note is now about plums.\n");
    await until("the changed hash", async () => (await doc("first.md"))?.hash !== before?.hash);
    expect(embeds()).toBeGreaterThan(calls);
  });

  it("moves a renamed file's row without embedding it again", async () => {
    await watch.idle();
    const before = await doc("sub/pears.md");
    const calls = embeds();
    fs.renameSync(path.join(docs, "sub", "pears.md"), path.join(docs, "pears-renamed.md"));
    const moved = await until("pears-renamed.md in the index", () => doc("pears-renamed.md"));
    await watch.idle();
    expect(moved.id).toBe(before?.id);
    expect(moved.source).toBe("pears-renamed.md");
    expect(moved.chunkCount).toBe(before?.chunkCount);
    expect(await doc("sub/pears.md")).toBeUndefined();
    expect(embeds()).toBe(calls);
    expect(moves).toContain("pears.md->pears-renamed.md");
    expect((await store.counts()).documents).toBe(2);
  });

  it("removes a deleted file", async () => {
    fs.rmSync(path.join(docs, "first.md"));
    await until("first.md gone from the index", async () => (await doc("first.md")) === undefined);
    expect((await store.listDocuments()).map((d) => d.source)).toEqual(["pears-renamed.md"]);
  });

  it("ignores changes to files it cannot index", async () => {
    await watch.idle();
    const runs = synced.length;
    fs.writeFileSync(path.join(docs, "scratch.tmp"), "x");
    fs.writeFileSync(path.join(docs, ".hidden.md"), "x");
    await new Promise((r) => setTimeout(r, 400));
    expect(synced.length).toBe(runs);
  });
});

describe("grounded ingest --watch", () => {
  it("reports a file that keeps failing once, and again after it came right and broke", async () => {
    const seen: IngestEvent[] = [];
    const onEvent = onceEachFailure((e) => seen.push(e));
    const failed = {
      type: "file",
      status: "failed",
      source: "x.md",
      path: "/d/x.md",
      reason: "is empty",
    } as const;
    onEvent(failed);
    onEvent(failed);
    onEvent({ ...failed, reason: "cannot be read" });
    onEvent({ type: "file", status: "added", source: "x.md", path: "/d/x.md", chunks: 1 });
    onEvent(failed);
    expect(seen.map((e) => (e.type === "file" ? `${e.status} ${e.reason ?? ""}`.trim() : ""))).toEqual([
      "failed is empty",
      "failed cannot be read",
      "added",
      "failed is empty",
    ]);
  });

  it("says once that a file is skipped (empty), not at every sync", async () => {
    const seen: IngestEvent[] = [];
    const onEvent = onceEachFailure((e) => seen.push(e));
    const skipped = {
      type: "file",
      status: "skipped",
      source: "x.md",
      path: "/d/x.md",
      reason: "is empty",
    } as const;
    onEvent(skipped);
    onEvent(skipped);
    expect(seen).toHaveLength(1);
  });

  it("needs a folder", async () => {
    const r = await cli(["ingest", "--watch"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Name at least one file or folder");
  });
});
