import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/**
 * The slow stand-in Ollama in a process of its own, as a real Ollama would be: its own CPU work (lexical
 * embeddings, JSON of 1024 floats per input) then does not slow grounded's event loop, and the wall time
 * measures grounded against the model's delays only. It prints a line with its URL and the /api/embed
 * inputs per request on exit.
 */
export interface SlowStandIn {
  url: string;
  /** Stop it and get the size of every /api/embed request it answered. */
  stop(): Promise<number[]>;
}

export async function startSlowStandIn(delayMs: number, perInputDelayMs: number): Promise<SlowStandIn> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", import.meta.filename, String(delayMs), String(perInputDelayMs)],
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

async function main(delayMs: number, perInputDelayMs: number): Promise<void> {
  const standIn = await startOllamaStandIn({ writeDelayMs: 0 });
  standIn.delayMs = delayMs;
  standIn.perInputDelayMs = perInputDelayMs;
  process.stdout.write(`${standIn.url}\n`);
  process.stdin.resume();
  await once(process.stdin, "end");
  const sizes = standIn
    .requestsTo("/api/embed")
    .map((r) => ((r.body as { input?: string[] }).input ?? []).length);
  await standIn.close();
  process.stdout.write(`${JSON.stringify(sizes)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main(Number(process.argv[2]), Number(process.argv[3]));
}
