import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/**
 * The slow stand-in Ollama in a process of its own, as a real Ollama would be: its own CPU work (lexical
 * embeddings, JSON of 1024 floats per input) then does not slow grounded's event loop, and the wall time
 * measures grounded against the model's delays only. It prints a line with its URL and the /api/embed
 * inputs per request on exit.
 *
 * The delays are the model's whole time, as with a real model, whose vectors are what its time is spent on:
 * each request is answered `delayMs` (+ `perInputDelayMs` per /api/embed input) after it arrived, and the
 * stand-in computes its answer within that time rather than after it. (Computing after the delay added the
 * stand-in's own ~10 ms per batch of 32, serialised between the two concurrent requests, to every request,
 * and the benchmark counted it as grounded's overhead: 1.17-1.26x of the ideal with an idle client.) A
 * request whose answer takes longer to compute than its delay is answered when it is ready, never early.
 *
 * `serial` makes it one model runner, as an Ollama with one GPU (OLLAMA_NUM_PARALLEL=1) is: /api/embed
 * requests are worked through one after another, each starting when the one before is done, so more requests
 * in flight do not make it faster — only another host does (the two-host row of the benchmark).
 */
export interface SlowStandIn {
  url: string;
  /** Stop it and get the size of every /api/embed request it answered. */
  stop(): Promise<number[]>;
}

export async function startSlowStandIn(
  delayMs: number,
  perInputDelayMs: number,
  serial = false,
): Promise<SlowStandIn> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      import.meta.filename,
      String(delayMs),
      String(perInputDelayMs),
      serial ? "serial" : "parallel",
    ],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    out += s;
  });
  while (!out.includes("\n")) await once(child.stdout as NodeJS.ReadableStream, "data");
  const url = (out.split("\n")[0] ?? "").trim();
  return {
    url,
    stop: async () => {
      child.stdin?.end();
      await once(child, "exit");
      const last = out.trim().split("\n").pop() ?? "[]";
      return JSON.parse(last) as number[];
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Inputs of an /api/embed body (0 for anything else), for the per-input delay. */
function embedInputs(path: string, body: Buffer): number {
  if (path !== "/api/embed") return 0;
  try {
    const input = (JSON.parse(body.toString("utf8")) as { input?: unknown }).input;
    return Array.isArray(input) ? input.length : typeof input === "string" && input !== "" ? 1 : 0;
  } catch {
    return 0;
  }
}

async function main(delayMs: number, perInputDelayMs: number, serial: boolean): Promise<void> {
  // The stand-in itself answers at once; this front server holds each answer until its delay is over.
  const standIn = await startOllamaStandIn({ writeDelayMs: 0 });
  let runnerFreeAt = 0;
  const front = createServer((req, res) => {
    void (async () => {
      const arrived = performance.now();
      const body = await readBody(req);
      const path = new URL(req.url ?? "/", "http://stand-in").pathname;
      const inputs = embedInputs(path, body);
      const start = serial && inputs > 0 ? Math.max(arrived, runnerFreeAt) : arrived;
      const due = start + delayMs + perInputDelayMs * inputs;
      if (serial && inputs > 0) runnerFreeAt = due;
      const upstream = await fetch(`${standIn.url}${req.url ?? "/"}`, {
        method: req.method,
        headers: { "content-type": req.headers["content-type"] ?? "application/json" },
        body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(body),
      });
      const answer = Buffer.from(await upstream.arrayBuffer());
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      res.writeHead(upstream.status, {
        "content-type": upstream.headers.get("content-type") ?? "application/json",
      });
      res.end(answer);
    })().catch((error: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  const { port } = front.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
  process.stdin.resume();
  await once(process.stdin, "end");
  const sizes = standIn
    .requestsTo("/api/embed")
    .map((r) => ((r.body as { input?: string[] }).input ?? []).length);
  front.closeAllConnections();
  front.close();
  await standIn.close();
  process.stdout.write(`${JSON.stringify(sizes)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main(Number(process.argv[2]), Number(process.argv[3]), process.argv[4] === "serial");
}
