/**
 * The hand-written English follow-up conversations (issue 11): over the sample documents (data/samples) and
 * over covidqa-dev's articles (../shared/eval), asked through the same code as `grounded eval --answers`.
 * Usage: npx tsx test/eval/followups/run.ts [<eval-root>]   (the stand-in Ollama is started here)
 */
import fs from "node:fs";
import path from "node:path";
import { formatAnswerTable } from "../../../cli/commands/eval.js";
import { evaluateFollowups, type FollowupResult } from "../../../cli/eval/answer-eval.js";
import { loadConfig } from "../../../src/config.js";
import { createOllamaEmbedder } from "../../../src/embedding/ollama-embedder.js";
import { createOllamaClient } from "../../../src/ollama/client.js";
import { startOllamaStandIn } from "../../stand-in/ollama-stand-in.js";

const here = import.meta.dirname;
const root = path.resolve(here, "..", "..", "..");

export async function handWrittenFollowups(evalRoot: string | undefined): Promise<FollowupResult[]> {
  const ollama = await startOllamaStandIn({ writeDelayMs: 0 });
  try {
    const config = loadConfig({ OLLAMA_HOST: ollama.url, GROUNDED_EMBED_MODEL: "bge-m3" });
    const client = createOllamaClient({ host: config.ollamaHost, timeoutMs: 60_000 });
    const embedder = createOllamaEmbedder({ client, model: "bge-m3", host: config.ollamaHost });
    const sets = [
      {
        name: "samples (hand-written)",
        followups: path.join(here, "samples.jsonl"),
        docs: path.join(root, "data", "samples"),
      },
    ];
    const covid = evalRoot ? path.join(evalRoot, "covidqa-dev", "docs") : undefined;
    if (covid && fs.existsSync(covid)) {
      sets.push({
        name: "covidqa-dev (hand-written)",
        followups: path.join(here, "covidqa.jsonl"),
        docs: covid,
      });
    }
    const results: FollowupResult[] = [];
    for (const set of sets) {
      const r = await evaluateFollowups(set.docs, config, embedder, null, () => {}, undefined, set);
      if (r) results.push(r);
    }
    return results;
  } finally {
    await ollama.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.join(here, "run.ts")) {
  const results = await handWrittenFollowups(process.argv[2]);
  console.log(formatAnswerTable([], results));
}
