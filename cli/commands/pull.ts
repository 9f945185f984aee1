import { BUILTIN_MODEL } from "../../src/embedding/builtin-embedder.js";
import { GroundedError } from "../../src/errors.js";
import { createOllamaClient } from "../../src/ollama/client.js";
import { pullMissing } from "../../src/ollama/pull-models.js";
import { defineCommand } from "../command.js";
import { configFor } from "../invocation.js";
import { createPullProgress } from "../pull-progress.js";

/**
 * `grounded pull`: fetch the configured embedding and chat models that Ollama does not have yet, on each
 * host of OLLAMA_HOST in turn (every host must serve the same models).
 */
export const pullCommand = defineCommand({
  name: "pull",
  args: "",
  summary: "pull the configured models Ollama does not have yet (on every host of OLLAMA_HOST)",
  flags: {},
  common: ["embed-model", "chat-model", "ollama-host"],
  async run({ values, inv, out, err }) {
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
    const several = config.ollamaHosts.length > 1;
    let failed = 0;
    for (const host of config.ollamaHosts) {
      const client = createOllamaClient({ host, timeoutMs: config.ollamaTimeoutMs });
      const progress = createPullProgress(out);
      if (several) out.write(`Ollama at ${host}:\n`);
      try {
        const report = await pullMissing(client, models, progress.onProgress);
        progress.finish();
        for (const m of report.present) out.write(`${m} is already in Ollama at ${host}\n`);
        if (report.pulled.length)
          out.write(`Pulled ${report.pulled.join(", ")}${several ? ` into Ollama at ${host}` : ""}.\n`);
      } catch (e) {
        // With several hosts, one that is down or refuses a pull does not keep the others from theirs.
        if (!several || !(e instanceof GroundedError)) throw e;
        progress.finish();
        err.write(`${e.message}\n`);
        failed++;
      } finally {
        progress.finish();
      }
    }
    return failed > 0 ? 1 : 0;
  },
});
