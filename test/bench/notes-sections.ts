import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { openStore } from "../../src/store/store.js";
import { tempDir } from "../helpers/tmp.js";
import { groundedCommand } from "./command.js";
import { writeCorpus } from "./corpus.js";
import { type Percentiles, percentiles, round } from "./measure.js";
import { startModelProcess } from "./model-process.js";
import { startServerProcess } from "./server-process.js";

export interface SmallNotes {
  files: number;
  chunks: number;
  /** `grounded ingest` as a user runs it, process start and calibration included. */
  wallSeconds: number;
  chunksPerSecond: number;
  /** /api/search over that index, one query after another. */
  rareWord: Percentiles;
  commonWord: Percentiles;
  /** The share of chunks that hold the common word (FTS5's count in the index). */
  commonShare: number;
  /** Whether the command ran compiled (dist/), as `npm run ingest` does after `npm ci`, or through tsx. */
  compiled: boolean;
}

/** `grounded ingest <dir>` in a process of its own; resolves with its wall time and the chunk count it printed. */
function ingestProcess(
  dir: string,
  env: Record<string, string>,
): Promise<{ seconds: number; chunks: number; compiled: boolean }> {
  const grounded = groundedCommand(); // may build dist/ first: not timed
  const started = performance.now();
  const child = spawn(process.execPath, [...grounded.argv, "ingest", dir], {
    cwd: grounded.cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => {
    out += s.slice(-2000);
  });
  child.stderr.resume();
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => {
      const chunks = Number(/; (\d+) chunks in/.exec(out)?.[1] ?? Number.NaN);
      if (code !== 0) reject(new Error(`grounded ingest exited ${code}: ${out.slice(-500)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, chunks, compiled: grounded.compiled });
    }),
  );
}

async function searchTimes(url: string, query: string, count: number): Promise<Percentiles> {
  const ms: number[] = [];
  for (let i = 0; i < count + 3; i++) {
    const started = performance.now();
    const res = await fetch(`${url}/api/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, k: 10 }),
    });
    if (res.status !== 200) throw new Error(`search failed: ${res.status}`);
    await res.arrayBuffer();
    if (i >= 3) ms.push(round(performance.now() - started));
  }
  return percentiles(ms);
}

/** The share of the index's chunks whose full-text row matches `match`. */
async function shareHolding(db: string, match: string): Promise<number> {
  const store = openStore(db, { readonly: true });
  try {
    const { chunks } = await store.counts();
    return round((await store.countMatching(match, chunks)) / chunks, 2);
  } finally {
    await store.close();
  }
}

/**
 * Issue 15's shape of a real note folder: 2,500 short Markdown and text notes (4–5 chunks each, ~11k
 * chunks), ingested end to end by the command a user runs (target ≥ 2,000 chunks/s), then searched for a
 * word of one note and for a word that every chunk holds (target p50 ≤ 10 ms for both).
 */
export async function smallNotes(dir: string, ollamaHost: string, files: number): Promise<SmallNotes> {
  const docs = path.join(dir, "notes");
  const db = path.join(dir, "notes.db");
  const written = writeCorpus(docs, files * 4.5, 11, (i) => 4 + (i % 2));
  const env = { GROUNDED_DB: db, OLLAMA_HOST: ollamaHost, GROUNDED_EMBED_MODEL: "bge-m3" };
  const run = await ingestProcess(docs, env);
  // The server in a process of its own, as a user runs it (its event loop is not the bench client's).
  const service = await startServerProcess({ ...env, GROUNDED_CHAT_MODEL: "none", GROUNDED_PORT: "0" });
  await new Promise((r) => setTimeout(r, 1000)); // the search workers start with the server
  try {
    // Every English Markdown note's title ends in "notes <n>", and a title is in each of its chunks' context
    // line: the word is in just under half of the chunks, the commonest word that is not a stopword. (A word
    // in more than half weighs nothing in BM25 and takes a shorter path: docs/retrieval.md, "Common terms".)
    const commonWord = await searchTimes(service.url, "notes", 30);
    const rareWord = await searchTimes(service.url, "1234", 30);
    return {
      files: written.files,
      chunks: run.chunks,
      wallSeconds: round(run.seconds, 2),
      chunksPerSecond: Math.round(run.chunks / run.seconds),
      rareWord,
      commonWord,
      commonShare: await shareHolding(db, '"notes"'),
      compiled: run.compiled,
    };
  } finally {
    service.child.kill("SIGTERM");
    await once(service.child, "exit");
  }
}

/** `npx tsx test/bench/notes-sections.ts [files]` runs this section alone (the model in a process of its own). */
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const tmp = tempDir("grounded-bench-");
  const tap = await startModelProcess();
  smallNotes(tmp.dir, tap.url, Number(process.argv[2] ?? 2500))
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await tap.close();
      tmp.cleanup();
    });
}
