import { execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { tempDir } from "../helpers/tmp.js";
import { ingestOverhead, slowModel } from "./ingest-sections.js";
import { peakRssMb, round, sampleRss } from "./measure.js";
import { startModelProcess } from "./model-process.js";
import { type SmallNotes, smallNotes } from "./notes-sections.js";
import {
  askOverhead,
  buildIndex,
  type SearchResult,
  searchLatency,
  startBenchService,
} from "./serve-sections.js";
import { startServerProcess } from "./server-process.js";
import { MODEL_FOR_DIMS } from "./synthetic-documents.js";
import { type BenchResults, renderTable } from "./table.js";
import { twoHosts } from "./two-hosts.js";
import { type UploadWhileServing, uploadWhileServing } from "./upload-sections.js";

/**
 * `npm run bench`: the speed-at-scale benchmark (issue 5). Not a test: it prints one table and writes it as
 * JSON to bench-results.json. BENCH_SCALE=0.1 runs everything at a tenth of the size, for a quick look.
 */
const scale = Number(process.env.BENCH_SCALE ?? 1);
const n = (x: number) => Math.max(100, Math.round(x * scale));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

function machine(): BenchResults["machine"] {
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGb: round(os.totalmem() / 1024 ** 3),
    node: process.versions.node,
    platform: `${os.platform()} ${os.arch()}`,
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const ingest = [];
  for (const chunks of [n(10_000), n(100_000)]) {
    log(`1. ingest overhead at ${chunks} chunks`);
    ingest.push(await ingestOverhead(chunks));
  }
  const ingestPeakRssMb = peakRssMb();
  log("2. ingest against the slow stand-in");
  const slow = await slowModel(n(3_000));
  log("7. ingest through one host and through two");
  const hosts = await twoHosts(n(3_000));

  // The model (stand-in and tap) runs in a process of its own, as Ollama does.
  const tap = await startModelProcess();
  const tmp = tempDir("grounded-bench-");
  const search: SearchResult[] = [];
  let servePeakRssMb = 0;
  let ask: BenchResults["ask"] | undefined;
  let uploads: UploadWhileServing | undefined;
  let notes: SmallNotes | undefined;
  try {
    for (const chunks of [n(10_000), n(100_000)]) {
      for (const dims of [768, 1024]) {
        const db = path.join(tmp.dir, `index-${chunks}-${dims}.db`);
        log(`3. building a ${chunks} x ${dims} index`);
        const built = await buildIndex(db, chunks, dims);
        // Building blocks the event loop for a minute or more; let it notice the kept-alive sockets that
        // servers closed meanwhile, or the next request reuses a dead one and the /api/version probe fails.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const big = chunks >= n(100_000);
        if (big && dims === 1024) {
          // `grounded serve` in a process of its own, as a user runs it: this process has just built the
          // index, and a service inside it would answer between its collections of a heap of that size.
          log(`4. ask ${chunks} x ${dims}`);
          const server = await startServerProcess({
            GROUNDED_DB: db,
            OLLAMA_HOST: tap.url,
            GROUNDED_EMBED_MODEL: MODEL_FOR_DIMS[dims] ?? "bge-m3",
            GROUNDED_CHAT_MODEL: "gemma4:e4b",
            GROUNDED_PORT: "0",
          });
          try {
            await new Promise((r) => setTimeout(r, 1000)); // the search workers start with the server
            ask = await askOverhead(server, db, tap, chunks, 30);
          } finally {
            server.child.kill("SIGTERM");
            await once(server.child, "exit");
          }
        }
        const service = await startBenchService(db, tap.url, dims);
        const rss = sampleRss();
        try {
          log(`3. search ${chunks} x ${dims}`);
          search.push(
            await searchLatency(service, dims, chunks, built.seconds, {
              sequential: big ? 60 : 100,
              concurrent: big ? 80 : 160,
              recall: big ? 30 : 50,
            }),
          );
        } finally {
          const peak = rss.stop();
          if (chunks >= n(100_000)) servePeakRssMb = Math.max(servePeakRssMb, peak);
          await service.close();
          fs.rmSync(db, { force: true });
        }
      }
    }
    log(`8. ${n(2_500)} small notes, ingested end to end, then searched`);
    notes = await smallNotes(tmp.dir, tap.url, n(2_500));
    log(`6. uploads of ${Math.round(50 * scale)} MB text and 20 PDFs while searching`);
    uploads = await uploadWhileServing(tmp.dir, tap.url, {
      textMb: Math.max(1, Math.round(50 * scale)),
      pdfs: 20,
    });
  } finally {
    await tap.close();
    tmp.cleanup();
  }
  // The PostgreSQL backend beside SQLite on one synthetic index, when a server is set up (issue 13).
  let postgres: string[] | null = null;
  if (process.env.GROUNDED_TEST_PG) {
    log(`9. the PostgreSQL backend at ${n(100_000)} x 1024`);
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "test/bench/postgres.ts", String(n(100_000)), "1024"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    postgres = out.trim().split("\n");
  } else log("9. PostgreSQL: skipped (set GROUNDED_TEST_PG to a role that may create databases)");
  if (!ask) throw new Error("the ask section did not run");
  if (!uploads) throw new Error("the upload section did not run");
  if (!notes) throw new Error("the notes section did not run");

  const results: BenchResults = {
    machine: machine(),
    scale,
    totalSeconds: round((performance.now() - started) / 1000, 0),
    ingest,
    slowModel: slow,
    twoHosts: hosts,
    smallNotes: notes,
    search,
    ask,
    memory: { ingestPeakRssMb, servePeakRssMb },
    uploads,
    postgres,
  };
  const out = path.resolve("bench-results.json");
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${renderTable(results)}\nResults as JSON: ${out}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n${e instanceof Error && e.cause ? String(e.cause) : ""}\n`,
  );
  process.exit(1);
});
