/**
 * Measures the sentence check (src/answer/support.ts) through the real answer path, on the shared sets:
 *
 * - extractive answers and the stand-in model's normal answers quote their sources: every sentence should be
 *   marked supported;
 * - the stand-in model in "add-foreign" mode adds a second sentence from another file, cited as the first
 *   sentence's source; in "change-number" mode a sentence of the cited source with a number changed: the
 *   added sentence should be flagged (weak or unsupported) and the first still supported;
 * - the cost of checking a 10-sentence answer over 6 sources.
 *
 * Usage: npx tsx test/tools/sentence-check-eval.ts <eval-root> [--limit N] [--sets a,b]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { readQuestions } from "../../cli/eval/run-eval.js";
import { ingest } from "../../ingest/pipeline.js";
import { type AskResult, createAnswerer } from "../../src/answer/answerer.js";
import { createOllamaChatModel } from "../../src/answer/ollama-chat-model.js";
import { answerSentences, checkSentences } from "../../src/answer/support.js";
import { loadConfig } from "../../src/config.js";
import { createOllamaEmbedder } from "../../src/embedding/ollama-embedder.js";
import { createLimiter } from "../../src/limiter.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { readCalibration } from "../../src/retrieval/calibration.js";
import { createRetriever } from "../../src/retrieval/retriever.js";
import { openStore } from "../../src/store/store.js";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import type { ReplyMode } from "../stand-in/stand-in-reply.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { limit: { type: "string" }, sets: { type: "string" } },
});
const root = positionals[0];
if (!root) {
  console.error("usage: npx tsx test/tools/sentence-check-eval.ts <eval-root> [--limit N] [--sets a,b]");
  process.exit(2);
}
const limit = Number(values.limit ?? 200);
const sets = (values.sets ?? "drcd-dev,cmrc-trial,covidqa-dev,pdf-zh,finance-dev").split(",");

const modes: ReplyMode[] = ["answer", "add-foreign", "change-number"];
const standIns = await Promise.all(
  modes.map((replyMode) => startOllamaStandIn({ writeDelayMs: 0, replyMode })),
);
const config = loadConfig({ OLLAMA_HOST: standIns[0]?.url, GROUNDED_EMBED_MODEL: "bge-m3" });
const client = (url: string) => createOllamaClient({ host: url, timeoutMs: 60_000 });
const embedder = createOllamaEmbedder({
  client: client(config.ollamaHost),
  model: "bge-m3",
  host: config.ollamaHost,
});

async function ask(answerer: ReturnType<typeof createAnswerer>, question: string): Promise<AskResult> {
  for await (const e of answerer.ask({ question, k: 6, history: [] })) {
    if (e.type === "done") return e;
  }
  throw new Error("no result");
}

const rate = (a: number, b: number) => (b ? (a / b).toFixed(3) : "  -  ");
const rows: string[] = [];
const costs: number[] = [];
try {
  for (const set of sets) {
    const dir = path.join(root, set);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grounded-sentences-"));
    const store = openStore(path.join(tmp, "index.db"));
    try {
      await ingest({ store, embedder, config }, { roots: [path.join(dir, "docs")] });
      const retriever = createRetriever({ store, embedder, calibration: () => readCalibration(store) });
      const answerers = new Map(
        [null, ...standIns].map((s, i) => [
          i === 0 ? "extractive" : (modes[i - 1] ?? "answer"),
          createAnswerer({
            retriever,
            chatModel: s
              ? createOllamaChatModel({ client: client(s.url), model: "gemma4:e4b", host: s.url })
              : null,
            limiter: createLimiter(1, 1),
            think: false,
          }),
        ]),
      );
      const all = readQuestions(dir);
      const questions =
        all.length <= limit
          ? all
          : Array.from({ length: limit }, (_, i) => all[Math.floor((i * all.length) / limit)]);
      const count = { sentences: 0, supported: 0, modelSentences: 0, modelSupported: 0 };
      const added = {
        foreign: 0,
        foreignFlagged: 0,
        number: 0,
        numberFlagged: 0,
        firstSupported: 0,
        first: 0,
      };
      for (const q of questions) {
        if (!q) continue;
        const extractive = await ask(answerers.get("extractive") as never, q.question);
        count.sentences += extractive.sentences.length;
        count.supported += extractive.sentences.filter((s) => s.support === "supported").length;
        const plain = await ask(answerers.get("answer") as never, q.question);
        count.modelSentences += plain.sentences.length;
        count.modelSupported += plain.sentences.filter((s) => s.support === "supported").length;
        if (process.env.DEBUG_SENTENCES)
          for (const s of plain.sentences.filter((x) => x.support !== "supported"))
            console.error(JSON.stringify({ s, answer: plain.answer }));
        for (const [mode, key] of [
          ["add-foreign", "foreign"],
          ["change-number", "number"],
        ] as const) {
          const r = await ask(answerers.get(mode) as never, q.question);
          if (r.sentences.length < 2) continue;
          const last = r.sentences.at(-1);
          const first = r.sentences[0];
          // The changed-number mode changes a number only when the cited passage has one (else it adds a
          // sentence from another file): count only the answers whose added sentence holds a number.
          if (key === "number" && !/\d/.test(last?.text ?? "")) continue;
          added[key]++;
          if (last && last.support !== "supported") added[`${key}Flagged`]++;
          else if (process.env.DEBUG_SENTENCES)
            console.error(JSON.stringify({ mode, last, answer: r.answer }));
          added.first++;
          if (first?.support === "supported") added.firstSupported++;
        }
        // Cost: a 10-sentence answer over the 6 sources, every sentence cited.
        const passages = new Map(extractive.sources.map((s) => [s.n, s.text]));
        const pool = extractive.sources.flatMap((s) =>
          answerSentences(s.text).map((x) => `${x.text} [${s.n}]`),
        );
        if (pool.length >= 10 && passages.size >= 6) {
          const answer = pool.slice(0, 10).join(" ");
          const started = performance.now();
          checkSentences(answer, passages);
          costs.push(performance.now() - started);
        }
      }
      rows.push(
        `| ${set} | ${questions.length} | ${rate(count.supported, count.sentences)} | ${rate(count.modelSupported, count.modelSentences)} | ${rate(added.foreignFlagged, added.foreign)} (${added.foreign}) | ${rate(added.numberFlagged, added.number)} (${added.number}) | ${rate(added.firstSupported, added.first)} |`,
      );
      console.error(`${set}: done`);
    } finally {
      await store.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
} finally {
  await Promise.all(standIns.map((s) => s.close()));
}
costs.sort((a, b) => a - b);
console.log(
  "| set | questions | extractive sentences supported | model answers supported | added sentence from another file flagged (n) | changed number flagged (n) | first sentence still supported |",
);
console.log(`|${"---|".repeat(7)}`);
for (const r of rows) console.log(r);
console.log(
  `\ncheck of a 10-sentence answer over 6 sources: median ${(costs[costs.length >> 1] ?? 0).toFixed(2)} ms, p95 ${(costs[Math.floor(costs.length * 0.95)] ?? 0).toFixed(2)} ms (${costs.length} answers)`,
);
