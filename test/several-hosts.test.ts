import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import { selectEmbedder } from "../src/embedding/select-embedder.js";
import { createHostPool } from "../src/ollama/host-pool.js";
import { checkIndex } from "../src/store/check.js";
import { openStore } from "../src/store/store.js";
import { cli, postJson, startService } from "./helpers/app.js";
import { closedPortUrl } from "./helpers/closed-port.js";
import { writeCorpus } from "./helpers/corpus.js";
import { tempDir } from "./helpers/tmp.js";
import { until } from "./helpers/until.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

/**
 * OLLAMA_HOST with two hosts, end to end: two stand-in Ollamas on real ports, `grounded ingest`, the service
 * and `grounded status` as a user runs them.
 */
let a: OllamaStandIn;
let b: OllamaStandIn;
let tmp: ReturnType<typeof tempDir>;
let docs: string;
const embeds = (s: OllamaStandIn) => s.requestsTo("/api/embed").length;
const chats = (s: OllamaStandIn) => s.requestsTo("/api/chat").length;
const both = () => `${a.url}, ${b.url}`;
const db = (name: string) => path.join(tmp.dir, `${name}.db`);

/** Thirty notes of a few chunks each: enough embedding batches (of 4) for both hosts to be busy. */
function writeNotes(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 30; i++) {
    const paragraphs = Array.from(
      { length: 6 },
      (_, p) =>
        `Note ${i} part ${p}: the pump ${i * 7 + p} in greenhouse ${i % 5} needs a filter of size ${p + 2}. ` +
        `Check valve v${i}-${p} weekly and write the reading in log ${i}.`.repeat(6),
    );
    fs.writeFileSync(
      path.join(dir, `note-${String(i).padStart(2, "0")}.md`),
      `# Note ${i}\n\n${paragraphs.join("\n\n")}\n`,
    );
  }
}

/** What an index holds, independent of the order documents were committed in. */
function dump(file: string): string[] {
  const store = openStore(file);
  try {
    expect(checkIndex(store.db)).toEqual([]);
    const rows = store.db
      .prepare(
        `SELECT d.source, c.seq, c.text, hex(v.embedding) AS vector FROM chunks c
         JOIN documents d ON d.id = c.document_id JOIN chunks_vec v ON v.rowid = c.id`,
      )
      .all() as Array<{ source: string; seq: number; text: string; vector: string }>;
    return rows.map((r) => `${r.source}#${r.seq} ${r.text} ${r.vector}`).sort();
  } finally {
    store.db.close();
  }
}

beforeAll(async () => {
  [a, b] = await Promise.all([startOllamaStandIn(), startOllamaStandIn()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  a.reset();
  b.reset();
  tmp = tempDir();
  docs = path.join(tmp.dir, "notes");
  writeNotes(docs);
});
afterEach(() => tmp.cleanup());

describe("ingest over two hosts", () => {
  const env = (hosts: string, name: string) => ({
    OLLAMA_HOST: hosts,
    GROUNDED_DB: db(name),
    GROUNDED_EMBED_BATCH: "4",
    GROUNDED_RETRY_BASE_MS: "20",
  });

  it("sends embedding batches to both hosts and builds the same index as one host", async () => {
    const one = await cli(["ingest", docs], env(a.url, "one"));
    expect(one.code, one.stderr).toBe(0);
    a.reset();
    a.perInputDelayMs = 5;
    b.perInputDelayMs = 5;
    const two = await cli(["ingest", docs], env(both(), "two"));
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toMatch(/Done: 30 added, .* 0 failed/);
    expect(embeds(a)).toBeGreaterThan(5);
    expect(embeds(b)).toBeGreaterThan(5);
    expect(dump(db("two"))).toEqual(dump(db("one")));
  });

  it("keeps GROUNDED_EMBED_CONCURRENCY requests in flight on each host", async () => {
    a.perInputDelayMs = 10;
    b.perInputDelayMs = 10;
    const inFlight = new Map<string, number>();
    const most = new Map<string, number>();
    const counting: typeof fetch = async (input, init) => {
      const origin = new URL(String(input)).origin;
      const n = (inFlight.get(origin) ?? 0) + 1;
      inFlight.set(origin, n);
      most.set(origin, Math.max(most.get(origin) ?? 0, n));
      try {
        return await fetch(input, init);
      } finally {
        inFlight.set(origin, (inFlight.get(origin) ?? 1) - 1);
      }
    };
    const config = loadConfig({ ...env(both(), "counted"), GROUNDED_EMBED_CONCURRENCY: "2" });
    const pool = createHostPool(config, { fetch: counting });
    const store = openStore(config.db);
    try {
      const { embedder } = await selectEmbedder(config, pool, null, "ingest");
      const summary = await ingest({ store, embedder, config }, { roots: [docs], calibrate: false });
      expect(summary.failed).toBe(0);
    } finally {
      await store.close();
    }
    expect(Object.fromEntries(most)).toEqual({ [a.url]: 2, [b.url]: 2 });
  });

  it("a host killed mid-ingest: the ingest finishes on the other, no file fails, the index is whole", async () => {
    const reference = await cli(["ingest", docs], env(a.url, "reference"));
    expect(reference.code, reference.stderr).toBe(0);
    a.reset();
    const doomed = await startOllamaStandIn();
    try {
      a.perInputDelayMs = 10;
      doomed.perInputDelayMs = 10;
      const run = cli(["ingest", docs], env(`${a.url},${doomed.url}`, "survivor"));
      await until("the second host to be embedding", () => embeds(doomed) >= 3);
      await doomed.close();
      const r = await run;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Done: 30 added, 0 updated, 0 unchanged, 0 removed, 0 failed/);
      expect(embeds(a)).toBeGreaterThan(3);
      expect(dump(db("survivor"))).toEqual(dump(db("reference")));
    } finally {
      await doomed.close();
    }
  });

  it("a host without the embedding model: its work goes to the host that has it", async () => {
    a.models.delete("bge-m3:latest");
    const r = await cli(["ingest", docs], env(both(), "lacking"));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/0 failed/);
    // One 404 (for /api/show or /api/embed), then a is passed over for bge-m3.
    const notFound = a.requests.filter((q) => q.path === "/api/show" || q.path === "/api/embed");
    expect(notFound).toHaveLength(1);
    expect(embeds(b)).toBeGreaterThan(5);
  });

  it("hosts that serve different models under one name: the ingest stops with the reason, exit code 2", async () => {
    b.models.set("bge-m3:latest", { name: "bge-m3", kind: "embedding", dims: 768, contextLength: 8192 });
    a.perInputDelayMs = 5;
    b.perInputDelayMs = 5;
    const r = await cli(["ingest", docs], env(both(), "mixed"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /The Ollama hosts serve different models under the name "bge-m3": http:\/\/\S+ returns \d+-dimension vectors, http:\/\/\S+ \d+\./,
    );
    expect(r.stderr).toContain("Every host in OLLAMA_HOST must serve the same embedding model");
  });

  it("every host down: one error naming each host and what to do; the index is left as it was", async () => {
    const first = await startOllamaStandIn();
    const second = await startOllamaStandIn();
    const hosts = `${first.url},${second.url}`;
    const r0 = await cli(["ingest", docs], env(hosts, "down"));
    expect(r0.code, r0.stderr).toBe(0);
    fs.appendFileSync(path.join(docs, "note-00.md"), "\nA new line about the pump.\n");
    await Promise.all([first.close(), second.close()]);
    const before = dump(db("down"));
    const r = await cli(["ingest", docs], { ...env(hosts, "down"), GROUNDED_EMBED_RETRIES: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `error: Every Ollama host failed POST /api/show for "bge-m3": ${first.url} cannot be reached (ECONNREFUSED); ` +
        `${second.url} cannot be reached (ECONNREFUSED). To fix it, start Ollama where it is down (\`ollama serve\`) ` +
        "or remove those hosts from OLLAMA_HOST / --ollama-host.",
    );
    expect(dump(db("down"))).toEqual(before);
  });
});

describe("serving with two hosts", () => {
  const question = "How long is the warranty?";
  let kettleDocs: string;
  beforeEach(() => {
    kettleDocs = path.join(tmp.dir, "corpus");
    writeCorpus(kettleDocs);
  });

  async function serve(hosts: string, extra: Record<string, string> = {}) {
    const env = { OLLAMA_HOST: hosts, GROUNDED_DB: db("served"), ...extra };
    const r = await cli(["ingest", kettleDocs], env);
    expect(r.code, r.stderr).toBe(0);
    return startService(env);
  }

  it("chat goes to the host that has the chat model", async () => {
    a.models.delete("gemma4:e4b");
    const service = await serve(both());
    try {
      for (let i = 0; i < 3; i++) {
        const r = await postJson(`${service.url}/api/ask`, { question });
        expect(r.status).toBe(200);
        expect(r.json.mode).toBe("generative");
        expect(r.json.answer).toContain("24 months");
      }
      expect(chats(b)).toBe(3);
      // At most one request of a's for the chat model was a 404; after it, a is passed over for that model.
      const askedA = a.requests.filter(
        (q) =>
          (q.path === "/api/chat" || q.path === "/api/show") &&
          (q.body as { model?: string })?.model === "gemma4:e4b",
      );
      expect(askedA.length).toBeLessThanOrEqual(1);
    } finally {
      await service.close();
    }
  });

  it("chat goes to the least busy host", async () => {
    const service = await serve(both(), { GROUNDED_CHAT_CONCURRENCY: "2" });
    try {
      a.reset();
      b.reset();
      a.delayMs = 1500;
      const slow = postJson(`${service.url}/api/ask`, { question });
      await until("the first answer to be on its way at a", () => chats(a) === 1, 15_000);
      const quick = await postJson(`${service.url}/api/ask`, { question });
      expect(quick.status).toBe(200);
      expect(chats(b)).toBe(1);
      expect(chats(a)).toBe(1);
      expect((await slow).json.answer).toContain("24 months");
    } finally {
      await service.close();
    }
  });

  it("an upload is embedded through the hosts too (the server's writer thread has a pool of its own)", async () => {
    const down = await closedPortUrl();
    const service = await serve(`${down},${b.url}`);
    try {
      b.reset();
      const form = new FormData();
      form.append("file", new Blob(["# Boiler\n\nBleed the radiators every October.\n"]), "boiler.md");
      const res = await fetch(`${service.url}/api/documents`, { method: "POST", body: form });
      expect(res.status).toBe(201);
      expect(((await res.json()) as Record<string, any>).status).toBe("added");
      expect(embeds(b)).toBeGreaterThan(0);
    } finally {
      await service.close();
    }
  });

  it("/health and grounded status show each host", async () => {
    const down = await closedPortUrl();
    const service = await serve(`${a.url},${down}`);
    try {
      const health = (await (await fetch(`${service.url}/health`)).json()) as Record<string, any>;
      expect(health.ollama).toEqual({
        host: a.url,
        reachable: true,
        version: "0.12.6",
        hosts: [
          { host: a.url, reachable: true, version: "0.12.6", inFlight: 0, restingMs: 0, lastError: null },
          { host: down, reachable: false, version: null, inFlight: 0, restingMs: 0, lastError: null },
        ],
      });
    } finally {
      await service.close();
    }
    a.models.delete("gemma4:e4b");
    const env = { OLLAMA_HOST: `${a.url},${down}`, GROUNDED_DB: db("served") };
    const text = await cli(["status"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `ollama  ${a.url}: reachable, version 0.12.6\n` +
        "        bge-m3: pulled\n" +
        "        gemma4:e4b: not pulled (run `grounded pull`, or `ollama pull gemma4:e4b` on that host)\n" +
        `ollama  ${down}: NOT reachable (start it with \`ollama serve\`)\n`,
    );
    const json = JSON.parse((await cli(["status", "--json"], env)).stdout);
    expect(json.ollama.hosts).toEqual([
      {
        host: a.url,
        reachable: true,
        version: "0.12.6",
        models: ["bge-m3:latest", "nomic-embed-text:latest"],
      },
      { host: down, reachable: false, version: null, models: [] },
    ]);
  });
});

describe("grounded pull with two hosts", () => {
  it("pulls on each host what that host lacks; a host that is down does not stop the other's pull", async () => {
    b.models.delete("gemma4:e4b");
    const r = await cli(["pull"], { OLLAMA_HOST: both() });
    expect(r.code, r.stderr).toBe(0);
    expect(a.requestsTo("/api/pull")).toHaveLength(0);
    expect(b.requestsTo("/api/pull").map((q) => (q.body as { model: string }).model)).toEqual(["gemma4:e4b"]);
    expect(r.stdout).toContain(`Ollama at ${a.url}:\nbge-m3 is already in Ollama at ${a.url}\n`);
    expect(r.stdout).toContain(`Pulled gemma4:e4b into Ollama at ${b.url}.\n`);

    const down = await closedPortUrl();
    b.models.delete("gemma4:e4b");
    const partly = await cli(["pull"], { OLLAMA_HOST: `${down},${b.url}` });
    expect(partly.code).toBe(1);
    expect(partly.stderr).toContain(`Cannot reach Ollama at ${down}`);
    expect(b.models.has("gemma4:e4b")).toBe(true);
  });
});
