import { BUILTIN_MODEL } from "../../src/embedding/builtin-embedder.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { pullMissing } from "../../src/ollama/pull-models.js";
import { defineCommand } from "../command.js";
import { configFor } from "../invocation.js";
import { createPullProgress } from "../pull-progress.js";

/** `grounded pull`: fetch the configured embedding and chat models that Ollama does not have yet. */
export const pullCommand = defineCommand({
  name: "pull",
  args: "",
  summary: "pull the configured models Ollama does not have yet",
  flags: {},
  common: ["embed-model", "chat-model", "ollama-host"],
  async run({ values, inv, out }) {
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
  },
});
