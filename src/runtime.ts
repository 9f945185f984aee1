import fs from "node:fs";
import { type Answerer, createAnswerer } from "./answer/answerer.js";
import type { ChatModel } from "./chat-model.js";
import type { Config } from "./config.js";
import type { Embedder } from "./embedder.js";
import { createLimiter } from "./limiter.js";
import { createOllamaChatModel } from "./ollama/chat-model.js";
import { createOllamaClient, type OllamaClient } from "./ollama/client.js";
import { ensureCalibration, MIN_DOCUMENTS, readCalibration } from "./retrieval/calibration.js";
import { createRetriever } from "./retrieval/retriever.js";
import { createSearchPool, type SearchPool } from "./retrieval/search-pool.js";
import type { Retriever } from "./retrieval/types.js";
import { type EmbedderChoice, ollamaReachable, selectEmbedder } from "./select-embedder.js";
import { openStore, type Store } from "./store/store.js";

/** Everything the query side needs, built once from the config and passed in. */
export interface QueryRuntime {
  config: Config;
  client: OllamaClient;
  store: Store;
  embedder: Embedder;
  chatModel: ChatModel | null;
  retriever: Retriever;
  answerer: Answerer;
  warnings: string[];
  /** The worker threads searches run in (`serve` only), or null when they run on the main thread. */
  searchPool: SearchPool | null;
  /** Closes the store at once; the promise settles when the search workers have stopped. */
  close(): Promise<void>;
}

export interface QueryRuntimeOptions {
  /** Run searches in `config.searchWorkers` worker threads (the service); the CLI searches in-process. */
  searchWorkers?: boolean;
}

export async function createQueryRuntime(
  config: Config,
  log: (message: string) => void = () => {},
  options: QueryRuntimeOptions = {},
): Promise<QueryRuntime> {
  const client = createOllamaClient({ host: config.ollamaHost, timeoutMs: config.ollamaTimeoutMs });
  const store = openStore(config.db, { exactSearch: config.exactSearch, onUpgrade: log });
  const warnings: string[] = [];
  let choice: EmbedderChoice;
  let chatModel: ChatModel | null = null;
  try {
    choice = await selectEmbedder(config, client, store.indexInfo(), "query");
    if (choice.warning) warnings.push(choice.warning);
    if (config.chatModel !== "none") {
      if (await ollamaReachable(client)) {
        chatModel = createOllamaChatModel({
          client,
          model: config.chatModel,
          host: config.ollamaHost,
          keepAlive: config.keepAlive,
        });
      } else {
        warnings.push(
          `Ollama is not reachable at ${config.ollamaHost}: answers are extractive (the best-matching sentences of the sources) until it is started and grounded restarted.`,
        );
      }
    }
  } catch (e) {
    store.close();
    throw e;
  }
  const embedder = choice.embedder;
  // Workers open the index file read-only; an in-memory index (":memory:", tests) stays on this thread.
  const searchPool =
    options.searchWorkers && config.searchWorkers > 0 && config.db !== ":memory:" && fs.existsSync(config.db)
      ? createSearchPool({ file: config.db, size: config.searchWorkers, exactSearch: config.exactSearch })
      : null;
  const retriever = createRetriever({
    store,
    embedder,
    calibration: () => readCalibration(store),
    steps: searchPool?.steps,
  });
  // An index from before calibration is calibrated once now (a second or two); a stale one (grown or shrunk
  // by a fifth since) is recalibrated in the background while the old calibration serves.
  if (!readCalibration(store) && store.counts().documents >= MIN_DOCUMENTS) {
    log('Calibrating when to answer "not covered" on this index (once; a few seconds)…');
    await ensureCalibration(store, embedder).catch(() => null);
  } else void ensureCalibration(store, embedder).catch(() => null);
  const answerer = createAnswerer({
    retriever,
    chatModel,
    limiter: createLimiter(config.chatConcurrency, config.chatQueue),
    think: config.think,
    warn: log,
  });
  return {
    config,
    client,
    store,
    embedder,
    chatModel,
    retriever,
    answerer,
    warnings,
    searchPool,
    close: async () => {
      const stopping = searchPool?.close();
      store.close();
      await stopping;
    },
  };
}
