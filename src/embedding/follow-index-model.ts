import type { Embedder } from "./embedder.js";
import type { IndexModel } from "./select-embedder.js";

/**
 * An embedder for queries that follows the model the index records. Another process may rebuild a running
 * server's index with another model (`grounded ingest --reindex`, or another server on the same PostgreSQL
 * database): before each use this reads the index's model (one small query) and, when it changed, picks the
 * embedder for the new one, so queries keep matching the stored vectors without a restart.
 */
export function followIndexModel(
  initial: Embedder,
  initialModel: string | null,
  indexModel: () => Promise<IndexModel | null>,
  select: (index: IndexModel) => Promise<Embedder>,
): Embedder {
  let held = { embedder: initial, model: initialModel };
  const current = async (): Promise<Embedder> => {
    const index = await indexModel();
    if (index && index.embedModel !== held.model)
      held = { embedder: await select(index), model: index.embedModel };
    return held.embedder;
  };
  return {
    get kind() {
      return held.embedder.kind;
    },
    get model() {
      return held.embedder.model;
    },
    info: async (signal) => (await current()).info(signal),
    embed: async (texts, options) => (await current()).embed(texts, options),
  };
}
