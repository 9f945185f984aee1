import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IndexUnavailableError, SearchUnavailableError, ValidationError } from "../src/errors.js";
import { createRetriever } from "../src/retrieval/retriever.js";
import { type IndexSearch, searchIndex } from "../src/retrieval/search-index.js";
import {
  createSearchPool,
  rebuildError,
  type SearchPool,
  serializeError,
} from "../src/retrieval/search-pool.js";
import type { RetrieveOptions } from "../src/retrieval/types.js";
import { openStore, type Store } from "../src/store/store.js";
import { syntheticQueries } from "./bench/corpus.js";
import { buildIndex } from "./bench/serve-sections.js";
import { cli, copySamples, type RunningService, startService } from "./helpers/app.js";
import { tempDir } from "./helpers/tmp.js";
import { lexicalEmbedding } from "./stand-in/lexical-embedding.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

/** The longest gap between 1 ms timer ticks while `work` runs: how long the event loop was blocked. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  try {
    await work();
    longest = Math.max(longest, performance.now() - last);
  } finally {
    clearInterval(timer);
  }
  return longest;
}

describe("the service's search pool gives the same answers as searching in-process", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let service: RunningService;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    const env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index.db") };
    const r = await cli(["ingest", copySamples(path.join(tmp.dir, "docs"))], env);
    expect(r.code).toBe(0);
    service = await startService(env);
  });

  afterAll(async () => {
    await service?.close();
    await ollama?.close();
    tmp?.cleanup();
  });

  it("runs in two workers by default and matches in-process results, English and Chinese, with a filter", async () => {
    const { runtime } = service;
    expect(runtime.searchPool?.size).toBe(2);
    const inProcess = createRetriever({
      store: runtime.store,
      embedder: runtime.embedder,
    });
    const cases: Array<[string, RetrieveOptions]> = [
      ["How do I descale the kettle?", { k: 5 }],
      ["借期是幾天？", { k: 3 }],
      ["wifi password printer", { k: 4, mode: "lexical" }],
      ["how long is the warranty", { k: 4, mode: "vector" }],
      ["descale citric acid", { k: 5, filter: { source: "kettle" } }],
      ["圖書館 逾期 罰款", { k: 5, filter: { source: "library" } }],
      ["quantum chromodynamics of sourdough", { k: 5 }],
    ];
    for (const [query, options] of cases) {
      const pooled = await runtime.retriever.retrieve(query, options);
      const local = await inProcess.retrieve(query, options);
      expect(pooled.results.length, query).toBeGreaterThan(0);
      expect(pooled.results, query).toEqual(local.results);
      expect(pooled.evidence, query).toEqual(local.evidence);
    }
    const filtered = await runtime.retriever.retrieve("descale", { k: 5, filter: { source: "library" } });
    expect(filtered.results.every((r) => r.source.startsWith("library"))).toBe(true);
  });

  it("sees what the service writes after it started (WAL readers beside the writer)", async () => {
    const before = await service.runtime.retriever.retrieve("zymurgical flibbertigibbet", {
      k: 3,
      mode: "lexical",
    });
    expect(before.results).toEqual([]);
    const form = new FormData();
    const text = "# Zymurgy\n\nThe zymurgical flibbertigibbet ferments on Tuesdays.\n";
    form.append("file", new Blob([text], { type: "text/markdown" }), "zymurgy.md");
    const res = await fetch(`${service.url}/api/documents`, { method: "POST", body: form });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    const after = await service.runtime.retriever.retrieve("zymurgical flibbertigibbet", {
      k: 3,
      mode: "lexical",
    });
    expect(after.results[0]?.source).toContain("zymurgy");
  });
});

describe("search pool workers", () => {
  let tmp: ReturnType<typeof tempDir>;
  let file: string;
  let store: Store;
  let pool: SearchPool;
  const dims = 768;
  const request = (query: string, k = 10): IndexSearch => ({
    query,
    queryVector: Float32Array.from(lexicalEmbedding(`search_query: ${query}`, dims)),
    k,
    mode: "hybrid",
  });

  beforeAll(async () => {
    tmp = tempDir();
    file = path.join(tmp.dir, "big.db");
    await buildIndex(file, 3000, dims);
    store = openStore(file, { exactSearch: true });
    pool = createSearchPool({ file, size: 2, exactSearch: true });
  }, 120_000);

  afterAll(async () => {
    await pool?.close();
    await store?.close();
    tmp?.cleanup();
  });

  it("returns what searchIndex returns in-process", async () => {
    for (const q of syntheticQueries(5, 3)) {
      const r = request(q);
      expect(await pool.search(r)).toEqual(await searchIndex(store, r));
    }
  });

  it("runs the lexical and vector sides of one search on two workers at once, and finishes like searchIndex", async () => {
    for (const q of syntheticQueries(4, 21)) {
      const r = request(q);
      const lexical = pool.steps.lexical(r);
      const vector = pool.steps.vector(r);
      expect(pool.running()).toBe(2);
      const finished = await pool.steps.finish(r, await lexical, await vector);
      expect(finished).toEqual(await searchIndex(store, r));
      // The vector side and the finish in one job, given the lexical side: the same answer.
      expect(await pool.steps.vectorAndFinish(r, await lexical)).toEqual(finished);
    }
  });

  it("lets a search under way finish before searches that have not started", async () => {
    const queries = syntheticQueries(6, 31).map((q) => request(q));
    const first = queries[0] as IndexSearch;
    const [lexical, vector] = await Promise.all([pool.steps.lexical(first), pool.steps.vector(first)]);
    const order: string[] = [];
    // Both workers busy, four more jobs waiting: the finish step still goes next. The waiting searches are
    // lexical-only, so each scores its words in full: in hybrid mode a question made only of this corpus's
    // common words is left to the vector side and can be done before a finish step is.
    const waiting = queries
      .slice(1)
      .map((r, i) => pool.steps.lexical({ ...r, mode: "lexical" }).then(() => order.push(`lexical ${i}`)));
    const finished = pool.steps.finish(first, lexical, vector).then(() => order.push("finish"));
    await Promise.all([...waiting, finished]);
    expect(order.indexOf("finish")).toBeLessThanOrEqual(2);
  });

  it("runs two searches at once in different workers", async () => {
    const [a, b] = syntheticQueries(2, 5).map((q) => pool.search(request(q)));
    expect(pool.running()).toBe(2);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra?.results.length).toBe(10);
    expect(rb?.results.length).toBe(10);
    expect(pool.running()).toBe(0);
  });

  it("keeps the event loop free while searches run, unlike searching in-process", async () => {
    const queries = syntheticQueries(8, 11).map((q) => request(q, 20));
    await pool.search(queries[0] as IndexSearch); // both workers are up and warm
    const inProcess = await longestStall(async () => {
      for (const q of queries) await Promise.resolve(await searchIndex(store, q));
    });
    const pooled = await longestStall(() => Promise.all(queries.map((q) => pool.search(q))));
    // In-process the loop is blocked for all eight searches in a row; with the pool only for message passing.
    expect(inProcess).toBeGreaterThan(40);
    expect(pooled).toBeLessThan(inProcess / 3);
  });

  it("replaces a worker that crashes, and the search it ran fails with a 503 instead of hanging", async () => {
    const before = pool.threadIds();
    const crashed = pool.simulateCrash();
    await expect(crashed).rejects.toBeInstanceOf(SearchUnavailableError);
    await expect(crashed).rejects.toMatchObject({ code: "search_unavailable", status: 503 });
    const after = pool.threadIds();
    expect(after).toHaveLength(2);
    expect(after).not.toEqual(before);
    const again = await Promise.all(syntheticQueries(4, 13).map((q) => pool.search(request(q))));
    expect(again.every((r) => r.results.length === 10)).toBe(true);
  });

  it("brings a worker's error back as the same class with its code and status", async () => {
    const e = rebuildError(serializeError(new ValidationError("bad k", { code: "bad_k" })));
    expect(e).toBeInstanceOf(ValidationError);
    expect(e).toMatchObject({ code: "bad_k", status: 400, message: "bad k" });

    const missing = createSearchPool({ file: path.join(tmp.dir, "nowhere", "none.db"), size: 1 });
    try {
      await expect(missing.search(request("anything"))).rejects.toBeInstanceOf(IndexUnavailableError);
      await expect(missing.search(request("anything"))).rejects.toMatchObject({
        name: "IndexUnavailableError",
        code: "index_unavailable",
        status: 503,
      });
    } finally {
      await missing.close();
    }
  });
});
