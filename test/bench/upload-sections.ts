import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { cli } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { makePdf } from "../helpers/make-pdf.js";
import { tempDir } from "../helpers/tmp.js";
import { type Percentiles, percentiles, round } from "./measure.js";
import { startModelProcess } from "./model-process.js";
import { startServerProcess } from "./server-process.js";

export interface UploadWhileServing {
  textMb: number;
  pdfs: number;
  uploadSeconds: number;
  /** Every upload's status (201 expected; 429 would mean the queue bound was hit). */
  statuses: Record<string, number>;
  /** /api/search, one after another, while the uploads were being ingested. */
  search: Percentiles;
  /** The server process's resident memory before the uploads, and its peak during them (/proc, every 50 ms). */
  serverIdleRssMb: number;
  serverPeakRssMb: number;
}

const WORDS =
  "pump valve filter kettle greenhouse tomato descale warranty receipt sprayer nozzle vinegar gate bench shuttle airport library river bridge harbour ferry timetable invoice ledger bearing gasket".split(
    " ",
  );

/** Plain text of about `mb` MB: numbered paragraphs of sentences drawn from a small vocabulary. */
function bigText(mb: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
    const paragraph = `Paragraph ${i}. The ${w(1)} near the ${w(2)} is checked every ${i % 30} days, and the ${w(3)} is replaced when the ${w(4)} shows wear.\n\n`;
    parts.push(paragraph);
    size += paragraph.length;
  }
  return parts.join("");
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/**
 * The uploads, four in flight at a time, the large text first, sent from a thread of their own: encoding a
 * 50 MB form on the thread that times the searches held its event loop for 250–300 ms at the start, which
 * the searches in flight then counted as the server's time (seventh session, docs/performance.md).
 */
async function uploadOnThread(
  url: string,
  files: Array<{ name: string; bytes: Uint8Array<ArrayBuffer> }>,
): Promise<Record<string, number>> {
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     (async () => {
       const statuses = {};
       const queue = [...workerData.files];
       await Promise.all(Array.from({ length: 4 }, async () => {
         for (let f = queue.shift(); f; f = queue.shift()) {
           const form = new FormData();
           form.append("file", new Blob([f.bytes]), f.name);
           const res = await fetch(workerData.url + "/api/documents", { method: "POST", body: form });
           await res.arrayBuffer();
           statuses[res.status] = (statuses[res.status] ?? 0) + 1;
         }
       }));
       parentPort.postMessage(statuses);
     })();`,
    { eval: true, workerData: { url, files }, transferList: files.map((f) => f.bytes.buffer) },
  );
  const [statuses] = (await once(worker, "message")) as [Record<string, number>];
  await worker.terminate();
  return statuses;
}

/**
 * Issue 15's target: while a large text file and 20 PDFs are uploaded and ingested through the API,
 * searches stay fast (p99 < 100 ms) and the server stays under 500 MB. The server runs as its own process
 * (its memory is what is measured), the model in another (the bench's model process).
 */
export async function uploadWhileServing(
  dir: string,
  ollamaHost: string,
  options: { textMb: number; pdfs: number },
): Promise<UploadWhileServing> {
  const db = path.join(dir, "uploads-bench.db");
  const env = {
    GROUNDED_DB: db,
    OLLAMA_HOST: ollamaHost,
    GROUNDED_EMBED_MODEL: "bge-m3",
    GROUNDED_CHAT_MODEL: "none",
    GROUNDED_PORT: "0",
    GROUNDED_MAX_UPLOAD_MB: String(Math.ceil(options.textMb) + 8),
  };
  const docs = path.join(dir, "upload-corpus");
  writeCorpus(docs);
  const ingested = await cli(["ingest", docs], env);
  if (ingested.code !== 0) throw new Error(`ingest failed: ${ingested.stderr}`);
  const files: Array<{ name: string; bytes: Uint8Array<ArrayBuffer> }> = [
    { name: "big-notes.txt", bytes: new Uint8Array(Buffer.from(bigText(options.textMb))) },
  ];
  if (options.textMb === 0) files.length = 0;
  for (let i = 0; i < options.pdfs; i++) {
    const pages = Array.from({ length: 10 }, (_, p) => [
      `Manual ${i}, page ${p + 1}: the ${WORDS[(i + p) % WORDS.length]} is serviced in week ${p + i}.`,
      `Keep the ${WORDS[(i * 3 + p) % WORDS.length]} dry and check the ${WORDS[(i + 2 * p) % WORDS.length]}.`,
    ]);
    files.push({ name: `manual-${i}.pdf`, bytes: new Uint8Array(makePdf(pages)) });
  }

  const { child, url } = await startServerProcess(env);
  const pid = child.pid as number;
  // Settled first: the search workers start with the server.
  await new Promise((r) => setTimeout(r, 1000));
  const idleRssMb = rssMb(pid);
  let peak = idleRssMb;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 50);
  const latencies: number[] = [];
  let uploading = true;
  const searching = (async () => {
    for (let i = 0; uploading; i++) {
      const started = performance.now();
      const res = await fetch(`${url}/api/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `${WORDS[i % WORDS.length]} warranty`, k: 5 }),
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let statuses: Record<string, number> = {};
  const started = performance.now();
  try {
    statuses = await uploadOnThread(url, files);
  } finally {
    uploading = false;
    await searching;
    clearInterval(sampler);
    child.kill("SIGTERM");
  }
  return {
    textMb: options.textMb,
    pdfs: options.pdfs,
    uploadSeconds: round((performance.now() - started) / 1000),
    statuses,
    search: percentiles(latencies.map((ms) => round(ms))),
    serverIdleRssMb: idleRssMb,
    serverPeakRssMb: peak,
  };
}

/** `npx tsx test/bench/upload-sections.ts [textMb] [pdfs]` runs this section alone (the model in a process of its own). */
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const tmp = tempDir("grounded-bench-");
  const tap = await startModelProcess();
  uploadWhileServing(tmp.dir, tap.url, {
    textMb: Number(process.argv[2] ?? 50),
    pdfs: Number(process.argv[3] ?? 20),
  })
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
