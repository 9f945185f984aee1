import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkIndex } from "../../src/store/check.js";
import { openStore } from "../../src/store/store.js";
import { cli } from "../helpers/app.js";
import { sleep, spawnIngest, until } from "../helpers/child-ingest.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

const FILES = 12;

/** Text of file i at a given revision: several paragraphs so each file is a few chunks. */
function fileText(i: number, revision: number): string {
  const words = [
    "amber",
    "basalt",
    "cedar",
    "delta",
    "ember",
    "fjord",
    "garnet",
    "harbor",
    "iris",
    "juniper",
  ];
  const paras = Array.from({ length: 6 }, (_, p) =>
    Array.from(
      { length: 60 },
      (_, w) => `${words[(i + p + w) % words.length]}${i}x${revision}w${(p * 60 + w) % 97}`,
    ).join(" "),
  );
  return `# File ${i} revision ${revision}\n\n${paras.join(".\n\n")}.\n`;
}

/** The generated words of fileText (`<word><file>x<revision>w<n>`), each naming its file and revision. */
const markedWords = (text: string) => new Set(text.match(/\d+x\d+w\d+/g) ?? []);

describe("crash safety: kill -9 an ingest at random moments, then run it again", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let env: Record<string, string>;
  const revision = new Map<number, number>();

  const writeFile = (i: number, rev: number) => {
    fs.writeFileSync(path.join(docs, `file-${String(i).padStart(2, "0")}.md`), fileText(i, rev));
    revision.set(i, rev);
  };

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    for (let i = 0; i < FILES; i++) writeFile(i, 0);
    env = {
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
      GROUNDED_EMBED_BATCH: "3",
      GROUNDED_CHUNK_TOKENS: "120",
      GROUNDED_CHUNK_OVERLAP: "20",
    };
  });
  afterAll(async () => {
    await ollama.close();
    tmp.cleanup();
  });

  it("every kill leaves a consistent index, and the final run finishes the work: 0 documents lost or corrupted", async () => {
    // Slow embeddings so each run takes a couple of seconds and a kill lands mid-work.
    ollama.perInputDelayMs = 15;
    const kills = 4;
    let killedMidRun = 0;
    for (let k = 0; k < kills; k++) {
      // Change some files between runs, so kills also land while documents are being replaced.
      if (k > 0) for (let i = k; i < FILES; i += 3) writeFile(i, k);
      const before = ollama.requestsTo("/api/embed").length;
      const child = spawnIngest(docs, env);
      const afterRequests = 1 + Math.floor(Math.random() * 8);
      const finished = await Promise.race([
        until(() => ollama.requestsTo("/api/embed").length >= before + afterRequests).then(() => false),
        child.exited.then(() => true),
      ]);
      if (!finished) {
        await sleep(Math.random() * 60);
        child.proc.kill("SIGKILL");
      }
      const exit = await child.exited;
      if (exit.signal === "SIGKILL") killedMidRun++;
      else expect(exit.code, exit.stderr).toBe(0);

      const status = await cli(["status", "--check"], env);
      expect(status.stdout).toMatch(/check {3}ok: every chunk has its vector and FTS row, no duplicates/);
      expect(status.code).toBe(0);
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(1);

    ollama.perInputDelayMs = 0;
    const final = await cli(["ingest", docs], env);
    expect(final.code, final.stderr).toBe(0);
    expect((await cli(["status", "--check"], env)).code).toBe(0);

    const store = openStore(env.GROUNDED_DB ?? "");
    let lost = 0;
    let corrupted = 0;
    try {
      expect(checkIndex(store.db)).toEqual([]);
      for (let i = 0; i < FILES; i++) {
        const file = path.join(docs, `file-${String(i).padStart(2, "0")}.md`);
        const doc = await store.documentByPath(file);
        if (!doc) {
          lost++;
          continue;
        }
        const text = (
          store.db
            .prepare("SELECT text FROM chunks WHERE document_id = ? ORDER BY seq")
            .pluck()
            .all(doc.id) as string[]
        ).join("\n");
        // Every word of the file's current revision is in the index, and no word of another revision.
        const rev = revision.get(i) ?? 0;
        const have = markedWords(text);
        const complete = [...markedWords(fileText(i, rev))].every((w) => have.has(w));
        const stale = [...have].some((w) => !w.startsWith(`${i}x${rev}w`));
        if (!complete || stale) corrupted++;
      }
      expect(await store.listDocuments()).toHaveLength(FILES);
    } finally {
      await store.close();
    }
    console.log(
      `fault injection: ${kills} runs, ${killedMidRun} killed with SIGKILL mid-ingest; ${lost} lost and ${corrupted} corrupted documents out of ${FILES}`,
    );
    expect({ lost, corrupted }).toEqual({ lost: 0, corrupted: 0 });
  }, 60_000);

  it("status --check finds a deliberately broken index and exits 1", async () => {
    const broken = path.join(tmp.dir, "broken.db");
    fs.copyFileSync(env.GROUNDED_DB ?? "", broken);
    const store = openStore(broken);
    try {
      const [a, b] = store.db.prepare("SELECT id FROM chunks ORDER BY id LIMIT 2").pluck().all() as number[];
      store.db.prepare("DELETE FROM chunks_vec WHERE rowid = ?").run(BigInt(a ?? 0));
      store.db.prepare("DELETE FROM chunks_fts WHERE rowid = ?").run(b);
      store.db.prepare("UPDATE documents SET chunk_count = chunk_count + 1 WHERE id = 1").run();
    } finally {
      await store.close();
    }
    const r = await cli(["status", "--check"], { ...env, GROUNDED_DB: broken });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/check {3}3 problem\(s\):/);
    expect(r.stdout).toMatch(/- 1 chunk\(s\) have no vector/);
    expect(r.stdout).toMatch(/- \d+ chunks but \d+ full-text rows/);
    expect(r.stdout).toMatch(
      /- 1 document\(s\) have a different number of chunks than recorded \(half-replaced\)/,
    );
  });

  it("two ingests at once on one index: the second refuses with a clear message, the first finishes", async () => {
    const dbFile = path.join(tmp.dir, "two.db");
    const two = { ...env, GROUNDED_DB: dbFile };
    ollama.reset();
    // The first run crawls until the second has started and given up, then finishes quickly.
    ollama.perInputDelayMs = 300;
    const first = spawnIngest(docs, two);
    await until(() => ollama.requestsTo("/api/embed").length > 0);
    const second = spawnIngest(docs, two);
    const s = await second.exited;
    ollama.perInputDelayMs = 0;
    const f = await first.exited;
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(
      `error: Another ingest (process ${first.proc.pid}) is writing to this index. Wait for it to finish, or if it is gone, delete ${dbFile}.lock.`,
    );
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(new RegExp(`Done: ${FILES} added, .* 0 failed`));
    expect(fs.existsSync(`${dbFile}.lock`)).toBe(false);
    const status = await cli(["status", "--check", "--json"], two);
    expect(JSON.parse(status.stdout)).toMatchObject({ index: { documents: FILES }, check: { ok: true } });
  }, 30_000);
});
