import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import { type ChatTap, startChatTap } from "./serve-sections.js";

/**
 * The stand-in Ollama and the /api/chat tap in front of it, in a process of their own, as a real Ollama is:
 * their CPU work (embeddings, JSON, proxying) then does not run on grounded's event loop and is not counted
 * as grounded's overhead. The child prints its URL, then one line per /api/chat arrival ("A <ms>") and
 * first response byte ("F <ms>"), in epoch milliseconds with sub-millisecond precision, which the parent
 * compares with its own clock (`epochNow`).
 */
export async function startModelProcess(): Promise<ChatTap> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", import.meta.filename, "child"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const chatArrivals: number[] = [];
  const chatFirstBytes: number[] = [];
  const waiters: Array<() => void> = [];
  let buffered = "";
  let url = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => {
    buffered += s;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      const [kind, value] = line.split(" ");
      if (kind === "URL") url = value ?? "";
      else if (kind === "A") chatArrivals.push(Number(value));
      else if (kind === "F") chatFirstBytes.push(Number(value));
    }
    for (const wake of waiters.splice(0)) wake();
  });
  while (!url) await once(child.stdout as NodeJS.ReadableStream, "data");
  return {
    url,
    chatArrivals,
    chatFirstBytes,
    async settled(arrivals, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (chatFirstBytes.length < arrivals && Date.now() < deadline)
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          new Promise((resolve) => setTimeout(resolve, 20)),
        ]);
    },
    close: async () => {
      child.stdin?.end();
      await once(child, "exit");
    },
  };
}

async function child(): Promise<void> {
  const standIn = await startOllamaStandIn({ writeDelayMs: 0 });
  const tap = await startChatTap(standIn.url, {
    onArrival: (at) => process.stdout.write(`A ${at}\n`),
    onFirstByte: (at) => process.stdout.write(`F ${at}\n`),
  });
  process.stdout.write(`URL ${tap.url}\n`);
  process.stdin.resume();
  await once(process.stdin, "end");
  await tap.close();
  await standIn.close();
  process.exit(0);
}

if (
  process.argv[2] === "child" &&
  process.argv[1] &&
  import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
) {
  void child();
}
