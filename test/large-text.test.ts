import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ingestInParts, type PartsJob } from "../ingest/large-text.js";
import { decodeText, normalizeText } from "../ingest/loaders/decode.js";
import { PART_CHARS, PARTS_FROM_BYTES, scanTextFile, textSections } from "../ingest/loaders/text-parts.js";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import type { Section } from "../src/document.js";
import type { Embedder } from "../src/embedding/embedder.js";
import { openStore, type SqliteStore } from "../src/store/store.js";
import { cli } from "./helpers/app.js";
import { spawnIngest, until } from "./helpers/child-ingest.js";
import { testChunk } from "./helpers/stored-chunks.js";
import { tempDir } from "./helpers/tmp.js";
import { startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

const DIMS = 16;
/** A cheap stand-in embedding: the text's length and first characters, normalised. */
function vectorOf(text: string): Float32Array {
  const v = new Float32Array(DIMS);
  v[0] = 1;
  for (let i = 1; i < DIMS; i++) v[i] = (text.charCodeAt(i) || 0) / 1000 + (text.length % (i + 7)) / 100;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** About `chars` characters of paragraphs with what normalisation changes: CRLF, NFD, zero-width, CJK. */
function largeText(chars: number): string {
  const parts = ["\ufeff  \r\n"];
  let size = 0;
  for (let i = 0; size < chars; i++) {
    const p =
      i % 7 === 0
        ? `第${i}段：借閱規則\u200b要求每本書逾期一天罰款五元。\r\n\r\n`
        : `Paragraph ${i}. The cafe\u0301 near pump ${i % 50} is checked every ${i % 30} days.\r\nSecond line of ${i}.\r\n\r\n`;
    parts.push(p);
    size += p.length;
  }
  return parts.join("");
}

async function collect(file: string): Promise<Section[]> {
  const sections: Section[] = [];
  for await (const s of textSections(file)) sections.push(s);
  return sections;
}

describe("large plain texts, read in parts (ingest/loaders/text-parts.ts, ingest/large-text.ts)", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("reads parts whose text is the whole normalised text at their offsets", async () => {
    const file = path.join(tmp.dir, "big.txt");
    fs.writeFileSync(file, largeText(3.5 * PART_CHARS));
    const whole = normalizeText(decodeText(fs.readFileSync(file), file).text);
    const sections = await collect(file);
    expect(sections.length).toBeGreaterThanOrEqual(3);
    let end = 0;
    for (const s of sections) {
      expect(s.offset).toBeGreaterThanOrEqual(end);
      expect(whole.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
      end = s.offset + s.text.length;
    }
    // Nothing is left out: the parts hold every non-space character of the whole, in order.
    const squeeze = (t: string) => t.replace(/\s+/g, "");
    expect(sections.map((s) => squeeze(s.text)).join("")).toBe(squeeze(whole));
    // The first part starts where the whole trimmed text does (as the plain-text loader's one section).
    expect(sections[0]?.offset).toBe(whole.length - whole.trimStart().length);
  });

  it("hashes the file and tells UTF-8 from what must be read whole", async () => {
    const utf8 = path.join(tmp.dir, "a.txt");
    fs.writeFileSync(utf8, largeText(50_000));
    const scanned = await scanTextFile(utf8, 1e9);
    expect(scanned.hash).toBe(createHash("sha256").update(fs.readFileSync(utf8)).digest("hex"));
    expect(scanned).toMatchObject({ bytes: fs.statSync(utf8).size, utf8: true });
    const latin1 = path.join(tmp.dir, "b.txt");
    fs.writeFileSync(latin1, Buffer.from("caf\xe9 au lait\n".repeat(1000), "latin1"));
    expect((await scanTextFile(latin1, 1e9)).utf8).toBe(false);
    await expect(scanTextFile(latin1, 100)).rejects.toThrow(/larger than/);
  });

  describe("stored in one transaction", () => {
    let store: SqliteStore;
    let file: string;
    const oldVersion = () => store.documentByPath(file);
    beforeEach(async () => {
      file = path.join(tmp.dir, "big.txt");
      fs.writeFileSync(file, largeText(2.5 * PART_CHARS));
      store = openStore(path.join(tmp.dir, "index.db"));
      await store.ensureIndexInfo({ embedModel: "test", dimensions: DIMS });
      const chunk = (text: string) => testChunk(text, { context: "big.txt", vector: vectorOf(text) });
      await store.replaceDocument(
        {
          path: file,
          source: "big.txt",
          root: tmp.dir,
          title: null,
          format: "text",
          hash: "old",
          bytes: 10,
          pages: null,
          embedModel: "test",
        },
        [chunk("the old version"), chunk("of the file")],
      );
    });
    afterEach(() => store.close());

    const job = (): PartsJob => ({
      kind: "parts",
      path: file,
      source: "big.txt",
      root: tmp.dir,
      hash: "new",
      bytes: fs.statSync(file).size,
      existed: true,
      context: "big.txt",
      chunking: { targetTokens: 480, overlapTokens: 100, maxTokens: 512 },
    });

    it("shows readers the old version until the last part is in, then the new one whole", async () => {
      const reader = openStore(store.file, { readonly: true });
      const seen: Array<string | undefined> = [];
      const parts: number[] = [];
      try {
        const stored = await ingestInParts(job(), {
          store,
          embedModel: "test",
          batchSize: 64,
          concurrency: 2,
          async embed(texts) {
            seen.push((await reader.documentByPath(file))?.hash);
            return texts.map(vectorOf);
          },
          checkWidth: async (width) => {
            expect(width).toBe(DIMS);
          },
          onPart: (chunks) => parts.push(chunks),
        });
        expect(parts.length).toBeGreaterThanOrEqual(3);
        expect(parts.at(-1)).toBe(stored.chunks);
        expect(stored.chunks).toBeGreaterThan(1000);
        expect(new Set(seen)).toEqual(new Set(["old"]));
        const now = await reader.documentByPath(file);
        expect(now).toMatchObject({ hash: "new", chunkCount: stored.chunks });
        const chunks = await reader.documentChunks(now?.id ?? -1);
        expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
        const whole = normalizeText(decodeText(fs.readFileSync(file), file).text);
        for (const c of chunks) expect(whole.slice(c.start, c.end)).toBe(c.text);
        expect((await reader.counts()).chunks).toBe(stored.chunks);
      } finally {
        await reader.close();
      }
    });

    it("keeps the previous version whole when a part fails", async () => {
      const before = (await store.documentChunks((await oldVersion())?.id ?? -1)).map((c) => c.text);
      let calls = 0;
      const failing = ingestInParts(job(), {
        store,
        embedModel: "test",
        batchSize: 64,
        concurrency: 2,
        async embed(texts) {
          // Fails once the first part has been written inside the transaction.
          if (++calls > 30) throw new Error("model crashed");
          return texts.map(vectorOf);
        },
        checkWidth: async () => {},
      });
      await expect(failing).rejects.toThrow("model crashed");
      expect(await oldVersion()).toMatchObject({ hash: "old", chunkCount: 2 });
      expect((await store.documentChunks((await oldVersion())?.id ?? -1)).map((c) => c.text)).toEqual(before);
      expect(await store.counts()).toEqual({ documents: 1, chunks: 2 });
      expect(store.db.inTransaction).toBe(false);
    });
  });

  it("ingest reads a large text in parts and reports it once, with all its chunks", async () => {
    const docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    const file = path.join(docs, "big.txt");
    fs.writeFileSync(file, largeText(PARTS_FROM_BYTES));
    fs.writeFileSync(path.join(docs, "small.md"), "# Small\n\nA small note about the kettle.");
    const requests: number[] = [];
    const embedder: Embedder = {
      kind: "ollama",
      model: "test",
      info: async () => ({ model: "test", dimensions: DIMS, contextLength: 8192 }),
      async embed(texts) {
        requests.push(texts.length);
        return texts.map(vectorOf);
      },
    };
    const store = openStore(path.join(tmp.dir, "index.db"));
    try {
      const events: string[] = [];
      const summary = await ingest(
        { store, embedder, config: loadConfig({}) },
        {
          roots: [docs],
          calibrate: false,
          onEvent: (e) => {
            if (e.type === "file") events.push(`${e.status} ${e.source} ${e.chunks}`);
          },
        },
      );
      const big = await store.documentByPath(file);
      expect(summary).toMatchObject({ added: 2, failed: 0, chunks: (await store.counts()).chunks });
      expect(big?.chunkCount).toBeGreaterThan(3000);
      expect(events).toEqual([`added big.txt ${big?.chunkCount}`, "added small.md 1"]);
      expect(summary.embedRequests).toBe(requests.length);
      // Unchanged on the next run: the streamed hash is the file's hash.
      const again = await ingest(
        { store, embedder, config: loadConfig({}) },
        { roots: [docs], calibrate: false },
      );
      expect(again).toMatchObject({ unchanged: 2, added: 0, updated: 0 });
    } finally {
      await store.close();
    }
  });

  it("kill -9 while a large text is stored in parts leaves its previous version, whole", async () => {
    const ollama = await startOllamaStandIn();
    try {
      const docs = path.join(tmp.dir, "docs");
      fs.mkdirSync(docs);
      const file = path.join(docs, "big.txt");
      fs.writeFileSync(file, largeText(PARTS_FROM_BYTES));
      const env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index.db") };
      const first = await cli(["ingest", docs], env);
      expect(first.code, first.stderr).toBe(0);
      const store = openStore(env.GROUNDED_DB);
      const before = await store.documentByPath(file);
      await store.close();

      fs.appendFileSync(file, "A second revision adds this paragraph.\n");
      ollama.perInputDelayMs = 2;
      const embeds = ollama.requestsTo("/api/embed").length;
      const child = spawnIngest(docs, env);
      // Past the first part (~500 chunks, 16 requests of 32): the parts' transaction is open.
      await until(() => ollama.requestsTo("/api/embed").length >= embeds + 40, 60_000);
      child.proc.kill("SIGKILL");
      expect((await child.exited).signal).toBe("SIGKILL");

      const status = await cli(["status", "--check"], env);
      expect(status.code, status.stdout).toBe(0);
      const after = openStore(env.GROUNDED_DB);
      try {
        expect(await after.documentByPath(file)).toEqual(before);
        expect((await after.counts()).chunks).toBe(before?.chunkCount);
      } finally {
        await after.close();
      }
    } finally {
      await ollama.close();
    }
  }, 120_000);
});
