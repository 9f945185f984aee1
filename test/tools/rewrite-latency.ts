/**
 * What a follow-up's rewrite (src/answer/standalone-question.ts) costs around the model: the rewriter against
 * the stand-in Ollama answering at once (`echo`: the follow-up back, which is not a rewrite, so the output
 * check runs in full), then against a model slower than the timeout, which must give up at the timeout.
 * Usage: npx tsx test/tools/rewrite-latency.ts <followups.jsonl> [--limit N]
 */
import fs from "node:fs";
import { createOllamaChatModel } from "../../src/answer/ollama-chat-model.js";
import { createQuestionRewriter } from "../../src/answer/standalone-question.js";
import { createLimiter } from "../../src/limiter.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import type { HistoryTurn } from "../../src/retrieval/conversation.js";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import { echoQuestion } from "../stand-in/stand-in-reply.js";

const [file, ...rest] = process.argv.slice(2);
if (!file) throw new Error("usage: npx tsx test/tools/rewrite-latency.ts <followups.jsonl> [--limit N]");
const limit = Number(rest[rest.indexOf("--limit") + 1] ?? 200) || 200;
const rows = fs
  .readFileSync(file, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .slice(0, limit)
  .map((l) => JSON.parse(l) as { question: string; history: HistoryTurn[] });

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

const standIn = await startOllamaStandIn({ writeDelayMs: 0 });
try {
  const client = createOllamaClient({ host: standIn.url, timeoutMs: 60_000 });
  const chatModel = createOllamaChatModel({ client, model: "gemma4:e4b", host: standIn.url });
  const run = async (label: string, timeoutMs: number, n: number) => {
    const rewrite = createQuestionRewriter({ chatModel, limiter: createLimiter(1, 16), timeoutMs });
    const ms: number[] = [];
    for (const row of rows.slice(0, n)) {
      const started = performance.now();
      await rewrite(row.question, row.history);
      ms.push(performance.now() - started);
    }
    console.log(
      `${label}: ${ms.length} rewrites, p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`,
    );
  };
  standIn.reply = echoQuestion;
  await run("stand-in answering at once (echo)", 5000, rows.length);
  standIn.chatDelayMs = 1000;
  await run("stand-in 1000 ms slow, GROUNDED_REWRITE_TIMEOUT_MS=300", 300, Math.min(rows.length, 40));
} finally {
  await standIn.close();
}
