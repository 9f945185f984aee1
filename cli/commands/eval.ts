import fs from "node:fs";
import path from "node:path";
import type { ChatModel } from "../../src/answer/chat-model.js";
import { createOllamaChatModel } from "../../src/answer/ollama-chat-model.js";
import type { Config } from "../../src/config.js";
import type { Embedder } from "../../src/embedding/embedder.js";
import { selectEmbedder } from "../../src/embedding/select-embedder.js";
import { ValidationError } from "../../src/errors.js";
import type { OllamaClient } from "../../src/ollama/client.js";
import { createHostPool } from "../../src/ollama/host-pool.js";
import { ollamaReachable } from "../../src/ollama/reachable.js";
import type { RetrievalMode } from "../../src/retrieval/types.js";
import { defineCommand, usageLine } from "../command.js";
import {
  type AnswerSetResult,
  evaluateAnswers,
  evaluateFollowups,
  type FollowupResult,
} from "../eval/answer-eval.js";
import { type EvalSetResult, evaluateSet } from "../eval/run-eval.js";
import { configFor, userPaths } from "../invocation.js";
import type { Output } from "../progress.js";

const pct = (x: number | null) => (x === null ? "  -  " : x.toFixed(3));

export function formatTable(results: EvalSetResult[]): string {
  const head =
    "| set | mode | questions | chunks | hit@1 | hit@5 | hit@10 | doc@5 | page@5 | MRR | evidence page@1 | tokens@5 | p50 ms | p95 ms |";
  const rule = `|${"---|".repeat(14)}`;
  const rows = results.map((r) => {
    const m = r.metrics;
    return `| ${r.set} | ${r.mode} | ${m.questions} | ${r.chunks} | ${pct(m.answerHit1)} | ${pct(m.answerHit5)} | ${pct(m.answerHit10)} | ${pct(m.docHit5)} | ${pct(m.pageHit5)} | ${pct(m.mrr)} | ${pct(r.evidencePageHit1)} | ${m.tokens5P50} | ${m.latencyP50Ms.toFixed(1)} | ${m.latencyP95Ms.toFixed(1)} |`;
  });
  return [head, rule, ...rows].join("\n");
}

/** `grounded eval <set>...`: measure retrieval on question sets in ../shared/eval's format. */
export const evalCommand = defineCommand({
  name: "eval",
  args: "<set-folder>...",
  summary: "measure retrieval (and with --answers, the answers) on question sets",
  flags: {
    mode: {
      type: "string",
      value: "hybrid|vector|lexical|all",
      help: "which search to measure (default hybrid)",
    },
    limit: { type: "string", value: "N", help: "ask at most N questions of each set" },
    answers: { type: "boolean", help: "also measure what /api/ask returns: refusals, citations, follow-ups" },
  },
  common: ["json", "db"],
  async run({ values, positionals: typed, inv, out, err }) {
    const positionals = userPaths(inv, typed);
    if (positionals.length === 0) {
      err.write(`${usageLine(evalCommand, inv.cli)}\n`);
      return 2;
    }
    const modeArg = values.mode ?? "hybrid";
    const modes: RetrievalMode[] =
      modeArg === "all" ? ["lexical", "vector", "hybrid"] : [modeArg as RetrievalMode];
    if (!modes.every((m) => ["hybrid", "vector", "lexical"].includes(m)))
      throw new ValidationError(`--mode ${modeArg}: use hybrid, vector, lexical or all.`);
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
      throw new ValidationError("--limit must be a positive whole number.");
    for (const dir of positionals) {
      if (!fs.existsSync(path.join(dir, "questions.jsonl")) || !fs.existsSync(path.join(dir, "docs"))) {
        throw new ValidationError(
          `${dir} is not an evaluation set: it needs docs/ and questions.jsonl (see README "Measuring retrieval").`,
        );
      }
    }
    const config = configFor(inv, values);
    const client = createHostPool(config);
    const { embedder, warning } = await selectEmbedder(config, client, null, "ingest");
    if (warning) err.write(`note: ${warning}\n`);
    err.write(`Embedding model: ${embedder.model}\n`);
    if (values.answers)
      return runAnswerEval(positionals, config, client, embedder, limit, Boolean(values.json), out, err);
    const results: EvalSetResult[] = [];
    for (const dir of positionals) {
      const progress = (done: number, total: number, label: string) => {
        if (err.isTTY) err.write(`\r\x1b[2K${label}: ${done}/${total} questions`);
      };
      results.push(...(await evaluateSet(dir, config, embedder, modes, progress, limit)));
      if (err.isTTY) err.write("\r\x1b[2K");
      else err.write(`${path.basename(path.resolve(dir))}: done\n`);
    }
    out.write(
      values.json
        ? `${JSON.stringify({ embedModel: embedder.model, results }, null, 2)}\n`
        : `${formatTable(results)}\n`,
    );
    return 0;
  },
});

export function formatAnswerTable(results: AnswerSetResult[], followups: FollowupResult[]): string {
  const head =
    "| set | answers | answerable | absent | false refusals | partial | absent refused | absent partial | cited file | cited page | first sentence holds answer | p50 ms |";
  const rule = `|${"---|".repeat(12)}`;
  const rows = results.map(
    (r) =>
      `| ${r.set} | ${r.mode} | ${r.answerable} | ${r.absent} | ${pct(r.falseRefusal)} | ${pct(r.partial)} | ${r.absent ? pct(r.absentRefused) : "  -  "} | ${r.absent ? pct(r.absentPartial) : "  -  "} | ${pct(r.citedFile)} | ${pct(r.citedPage)} | ${pct(r.firstSentence)} | ${r.latencyP50Ms.toFixed(1)} |`,
  );
  const lines = results.length ? [head, rule, ...rows] : [];
  if (followups.length) {
    if (lines.length) lines.push("");
    lines.push(
      "| follow-ups | conversations | search hit@5 with history | alone | standalone | standalone after an unrelated turn | ask cites the article | ask refused |",
      `|${"---|".repeat(8)}`,
      ...followups.map(
        (f) =>
          `| ${f.set} | ${f.conversations} | ${pct(f.hit5WithHistory)} | ${pct(f.hit5Alone)} | ${pct(f.hit5Standalone)} | ${pct(f.hit5AfterUnrelated)} | ${pct(f.citedFile)} | ${pct(f.refused)} |`,
      ),
    );
    const rewrites = followups.flatMap((f) => f.rewrites);
    if (rewrites.length) {
      lines.push(
        "",
        "| follow-ups rewritten by | set | rewritten / unchanged / fell back | search hit@5: follow-up + rewrite, folded | rewrite instead of the follow-up, folded | rewrite alone | standalone after an unrelated turn | search p50 ms |",
        `|${"---|".repeat(8)}`,
        ...rewrites.map(
          (r) =>
            `| ${r.rewriter} | ${r.set} | ${r.rewritten === null ? "–" : `${pct(r.rewritten)} / ${pct(r.unchanged)} / ${pct(r.fellBack)}`} | ${pct(r.hit5)} | ${pct(r.hit5Instead)} | ${pct(r.hit5RewriteAlone)} | ${pct(r.hit5AfterUnrelated)} | ${r.searchP50Ms.toFixed(1)} |`,
        ),
      );
    }
    lines.push(
      "",
      ...followups.map(
        (f) =>
          `${f.set}: the rewrite's output check accepts ${pct(f.goldAccepted)} of the gold standalone questions.`,
      ),
    );
  }
  return lines.join("\n");
}

/** `grounded eval --answers`: what /api/ask returns, on half-indexed sets (cli/eval/answer-eval.ts). */
async function runAnswerEval(
  dirs: string[],
  config: Config,
  client: OllamaClient,
  embedder: Embedder,
  limit: number | undefined,
  json: boolean,
  out: Output,
  err: Output,
): Promise<number> {
  let chatModel: ChatModel | null = null;
  if (config.chatModel !== "none" && (await ollamaReachable(client)) !== null) {
    chatModel = createOllamaChatModel({ client, model: config.chatModel, host: client.host });
  }
  err.write(`Answers: ${chatModel ? `generative with ${chatModel.model}` : "extractive"}\n`);
  const progress = (done: number, total: number, label: string) => {
    if (err.isTTY) err.write(`\r\x1b[2K${label}: ${done}/${total}`);
  };
  const results: AnswerSetResult[] = [];
  const followups: FollowupResult[] = [];
  for (const dir of dirs) {
    results.push(await evaluateAnswers(dir, config, embedder, chatModel, progress, limit));
    const f = await evaluateFollowups(dir, config, embedder, chatModel, progress, limit, {}, (m) =>
      err.write(`\nnote: ${m}\n`),
    );
    if (f) followups.push(f);
    if (err.isTTY) err.write("\r\x1b[2K");
    else err.write(`${path.basename(path.resolve(dir))}: done\n`);
  }
  out.write(
    json
      ? `${JSON.stringify({ embedModel: embedder.model, results, followups }, null, 2)}\n`
      : `${formatAnswerTable(results, followups)}\n`,
  );
  return 0;
}
