import { GroundedError, PullFailedError } from "../errors.js";
import type { OllamaClient } from "./client.js";
import type { OllamaPullProgress } from "./wire.js";

/** Ollama adds `:latest` to a name without a tag, so `bge-m3` and `bge-m3:latest` are one model. */
function canonicalModel(name: string): string {
  const last = name.split("/").pop() ?? "";
  return last.includes(":") ? name : `${name}:latest`;
}

export interface PullReport {
  present: string[];
  pulled: string[];
}

/** Pull each of `models` that Ollama does not have yet, telling `onProgress` about every progress line. */
export async function pullMissing(
  client: OllamaClient,
  models: readonly string[],
  onProgress: (model: string, progress: OllamaPullProgress) => void,
): Promise<PullReport> {
  const tags = await client.tags();
  const have = new Set(tags.models.flatMap((m) => [canonicalModel(m.name), canonicalModel(m.model)]));
  const report: PullReport = { present: [], pulled: [] };
  for (const model of new Set(models)) {
    if (have.has(canonicalModel(model))) {
      report.present.push(model);
      continue;
    }
    try {
      for await (const progress of client.pull(model)) onProgress(model, progress);
    } catch (e) {
      if (!(e instanceof GroundedError)) throw e;
      throw new PullFailedError(model, e);
    }
    report.pulled.push(model);
  }
  return report;
}
