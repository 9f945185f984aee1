import { asTyped } from "../../src/cli-name.js";
import { BUILTIN_MODEL } from "../../src/embedding/builtin-embedder.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { pullMissing } from "../../src/ollama/pull.js";
import { parse } from "../args.js";
import { configFor, type Invocation } from "../invocation.js";
import type { Output } from "../progress.js";
import { createPullProgress } from "../pull-progress.js";

export const PULL_USAGE = "grounded pull [--embed-model NAME] [--chat-model NAME] [--ollama-host URL]";

/** `grounded pull`: fetch the configured embedding and chat models that Ollama does not have yet. */
export async function runPull(argv: string[], inv: Invocation, out: Output): Promise<number> {
  const { values } = parse(argv, {}, "pull", inv.cli);
  if (values.help) {
    out.write(`${asTyped(PULL_USAGE, inv.cli)}\n`);
    return 0;
  }
  const config = configFor(inv, values);
  const models = [
    ...(config.embedModel === BUILTIN_MODEL ? [] : [config.embedModel]),
    ...(config.chatModel === "none" ? [] : [config.chatModel]),
  ];
  if (models.length === 0) {
    out.write("Nothing to pull: the embedder is built in and answers are extractive.\n");
    return 0;
  }
  // Pulls can pause for a long time between lines (a slow registry); the usual timeout still applies per line.
  const client = createOllamaClient({ host: config.ollamaHost, timeoutMs: config.ollamaTimeoutMs });
  const progress = createPullProgress(out);
  try {
    const report = await pullMissing(client, models, progress.onProgress);
    progress.finish();
    for (const m of report.present) out.write(`${m} is already in Ollama at ${config.ollamaHost}\n`);
    if (report.pulled.length) out.write(`Pulled ${report.pulled.join(", ")}.\n`);
    return 0;
  } finally {
    progress.finish();
  }
}
