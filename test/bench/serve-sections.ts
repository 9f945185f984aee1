import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { embedPrefixes } from "../../src/embedding/presets.js";
import { openStore } from "../../src/store/store.js";
import { knn } from "../../src/store/vectors.js";
import { type RunningService, startService } from "../helpers/app.js";
import { lexicalEmbedding } from "../stand-in/lexical-embedding.js";
import { syntheticQueries } from "./corpus.js";
import { median, type Percentiles, percentiles, round, withLoopLag } from "./measure.js";
import { MODEL_FOR_DIMS, syntheticDocuments } from "./synthetic-documents.js";

/** Sections 3 and 4: search and ask on indexes of 10k and 100k chunks, served over real HTTP. */

/**
 * Fill an index directly through `store.replaceDocument` (synthetic-documents.ts: documents of 100 passages
 * with the stand-in's vectors). Much faster than ingesting files, and the resulting index is the same shape.
 */
export async function buildIndex(file: string, chunks: number, dims: number): Promise<{ seconds: number }> {
  const started = performance.now();
  const store = openStore(file);
  try {
    await store.ensureIndexInfo({ embedModel: MODEL_FOR_DIMS[dims] ?? "bge-m3", dimensions: dims });
    for (const { doc, chunks: rows } of syntheticDocuments(chunks, dims))
      await store.replaceDocument(doc, rows);
  } finally {
    await store.close();
  }
  return { seconds: round((performance.now() - started) / 1000) };
}

export interface SearchResult {
  chunks: number;
  dims: number;
  buildSeconds: number;
  inProcess: Percentiles;
  http: Percentiles;
  http8: Percentiles & { lagMaxMs: number; lagP99Ms: number };
  vectorOnlyFastMs: number;
  vectorOnlyExactMs: number;
  recallAt10: number;
}

/**
 * fetch, tried once more when the connection fails before any response: after an idle pause the server may
 * close a kept-alive socket just as the client reuses it (ECONNRESET), which says nothing about grounded.
 */
async function fetchOnceMore(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    return fetch(url, init);
  }
}

async function postSearch(url: string, query: string): Promise<number> {
  const started = performance.now();
  const res = await fetchOnceMore(`${url}/api/search`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, k: 10 }),
  });
  if (res.status !== 200) throw new Error(`search failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return performance.now() - started;
}

/** Vector search alone (fast path against exact): timing and recall@10 on `count` queries. */
async function vectorOnly(
  file: string,
  dims: number,
  queries: string[],
): Promise<{ fastMs: number; exactMs: number; recall: number }> {
  const store = openStore(file, { readonly: true });
  const prefix = embedPrefixes(MODEL_FOR_DIMS[dims] ?? "bge-m3").query;
  const fast: number[] = [];
  const exact: number[] = [];
  let recall = 0;
  for (const q of queries) {
    const v = Float32Array.from(lexicalEmbedding(`${prefix}${q}`, dims));
    let t = performance.now();
    const truth = new Set(knn(store.db, v, 10, undefined, { exact: true }).map((h) => h.chunkId));
    exact.push(performance.now() - t);
    t = performance.now();
    const got = knn(store.db, v, 10);
    fast.push(performance.now() - t);
    recall += got.filter((h) => truth.has(h.chunkId)).length / Math.max(1, truth.size);
  }
  await store.close();
  return {
    fastMs: round(median(fast)),
    exactMs: round(median(exact)),
    recall: round(recall / queries.length, 3),
  };
}

export async function searchLatency(
  service: RunningService,
  dims: number,
  chunks: number,
  buildSeconds: number,
  counts: { sequential: number; concurrent: number; recall: number },
): Promise<SearchResult> {
  const queries = syntheticQueries(counts.sequential + counts.concurrent, chunks + dims);
  const retriever = service.runtime.retriever;
  for (const q of queries.slice(0, 3)) await retriever.retrieve(q, { k: 10 }); // warm the page cache

  const inProcess: number[] = [];
  for (const q of queries.slice(0, counts.sequential))
    inProcess.push((await retriever.retrieve(q, { k: 10 })).ms);
  const http: number[] = [];
  for (const q of queries.slice(0, counts.sequential)) http.push(await postSearch(service.url, q));

  const concurrent = queries.slice(counts.sequential);
  const latencies: number[] = [];
  const lag = await withLoopLag(async () => {
    let next = 0;
    const client = async () => {
      while (next < concurrent.length)
        latencies.push(await postSearch(service.url, concurrent[next++] as string));
    };
    await Promise.all(Array.from({ length: 8 }, client));
  });
  const vec = await vectorOnly(service.runtime.config.db, dims, syntheticQueries(counts.recall, 17));
  const r = (p: Percentiles) => ({ n: p.n, p50: round(p.p50), p95: round(p.p95), p99: round(p.p99) });
  return {
    chunks,
    dims,
    buildSeconds,
    inProcess: r(percentiles(inProcess)),
    http: r(percentiles(http)),
    http8: { ...r(percentiles(latencies)), lagMaxMs: round(lag.lagMaxMs), lagP99Ms: round(lag.lagP99Ms) },
    vectorOnlyFastMs: vec.fastMs,
    vectorOnlyExactMs: vec.exactMs,
    recallAt10: vec.recall,
  };
}

/**
 * Milliseconds since the epoch with sub-millisecond precision: comparable across processes (the tap runs in
 * the model's process, test/bench/model-process.ts), unlike performance.now().
 */
const epochNow = () => performance.timeOrigin + performance.now();

/** A pass-through proxy in front of the stand-in that notes when /api/chat traffic crosses it. */
export interface ChatTap {
  url: string;
  /** epochNow() at each /api/chat request's arrival, and at its first response byte. */
  chatArrivals: number[];
  chatFirstBytes: number[];
  /** Resolves once `count` first bytes have been noted (at once for a tap in this process). */
  settled(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startChatTap(
  target: string,
  notify: { onArrival?: (at: number) => void; onFirstByte?: (at: number) => void } = {},
): Promise<ChatTap> {
  const upstream = new URL(target);
  const chatArrivals: number[] = [];
  const chatFirstBytes: number[] = [];
  const server: Server = createServer((req, res) => {
    const chat = req.url === "/api/chat";
    if (chat) {
      const at = epochNow();
      chatArrivals.push(at);
      notify.onArrival?.(at);
    }
    const up = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let first = true;
        upRes.on("data", (chunk: Buffer) => {
          if (chat && first) {
            const at = epochNow();
            chatFirstBytes.push(at);
            notify.onFirstByte?.(at);
          }
          first = false;
          res.write(chunk);
        });
        upRes.on("end", () => res.end());
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    chatArrivals,
    chatFirstBytes,
    settled: async () => {},
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface AskResult {
  chunks: number;
  asks: number;
  toModelMs: Percentiles;
  firstTokenToClientMs: Percentiles;
  /** Asks the model did not answer (not covered by the index, or an error), and the first error seen. */
  unanswered: number;
  firstError: string | null;
  /** "generative" unless Ollama was unreachable when the service started. */
  mode: string;
}

/**
 * Section 4: streamed /api/ask. "To the model" runs from the client sending the request to the tap seeing
 * /api/chat arrive (retrieval, prompt building and the request to Ollama); "to the client" from the tap
 * passing the model's first bytes on to the first answer text (a "delta" line) reaching the client.
 * `service` is `grounded serve` in a process of its own (test/bench/server-process.ts), as a user runs it,
 * over the index file `db`.
 */
export async function askOverhead(
  service: { url: string },
  db: string,
  tap: ChatTap,
  chunks: number,
  asks: number,
): Promise<AskResult> {
  const toModel: number[] = [];
  const toClient: number[] = [];
  // Questions the index covers (the opening words of its own chunks, as short as the synthetic search queries), so every ask goes to the model: a
  // synthetic question of topic words may be answered "not covered" without one (src/retrieval/coverage.ts).
  const index = openStore(db, { readonly: true });
  const ids = await index.chunkIds();
  const step = Math.max(1, Math.floor(ids.length / (asks + 2)));
  const opening = await index.chunks(
    Array.from({ length: asks + 2 }, (_, i) => ids[(i * step) % ids.length] ?? 0),
  );
  await index.close();
  const questions = opening.map((c) =>
    /[\u3400-\u9fff]/.test(c.text)
      ? Array.from(c.text).slice(0, 8).join("")
      : c.text.split(/\s+/).slice(0, 4).join(" "),
  );
  let unanswered = 0;
  let firstError: string | null = null;
  for (const [i, question] of questions.entries()) {
    const before = tap.chatArrivals.length;
    const started = epochNow();
    const res = await fetchOnceMore(`${service.url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question, stream: true }),
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    let deltaAt: number | null = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (deltaAt === null && text.includes('"type":"delta"')) deltaAt = epochNow();
    }
    if (deltaAt === null) {
      unanswered++;
      firstError ??=
        res.status === 200 ? (/"error".*$/m.exec(text)?.[0] ?? null) : `${res.status} ${text.slice(0, 200)}`;
    }
    if (deltaAt !== null) await tap.settled(before + 1);
    const arrived = tap.chatArrivals[before];
    const firstByte = tap.chatFirstBytes[before];
    if (i < 2 || arrived === undefined || firstByte === undefined || deltaAt === null) continue; // warm-up, or not answered by the model
    toModel.push(arrived - started);
    toClient.push(deltaAt - firstByte);
  }
  const r = (p: Percentiles) => ({ n: p.n, p50: round(p.p50), p95: round(p.p95), p99: round(p.p99) });
  return {
    chunks,
    asks: toModel.length,
    toModelMs: r(percentiles(toModel)),
    firstTokenToClientMs: r(percentiles(toClient)),
    unanswered,
    firstError,
    mode: ((await (await fetch(`${service.url}/health`)).json()) as { mode: { answer: string } }).mode.answer,
  };
}

export async function startBenchService(
  db: string,
  ollamaHost: string,
  dims: number,
): Promise<RunningService> {
  return startService({
    GROUNDED_DB: db,
    OLLAMA_HOST: ollamaHost,
    GROUNDED_EMBED_MODEL: MODEL_FOR_DIMS[dims] ?? "bge-m3",
    GROUNDED_CHAT_MODEL: "gemma4:e4b",
    // GROUNDED_SEARCH_WORKERS=0 npm run bench measures searching on the main thread, for comparison.
    GROUNDED_SEARCH_WORKERS: process.env.GROUNDED_SEARCH_WORKERS,
  });
}
