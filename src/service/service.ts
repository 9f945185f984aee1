import fs from "node:fs";
import { type Answerer, createAnswerer } from "../answer/answerer.js";
import type { ChatModel } from "../answer/chat-model.js";
import { createOllamaChatModel } from "../answer/ollama-chat-model.js";
import { createQuestionRewriter } from "../answer/standalone-question.js";
import type { Config } from "../config.js";
import type { Embedder } from "../embedding/embedder.js";
import { followIndexModel } from "../embedding/follow-index-model.js";
import { type EmbedderChoice, selectEmbedder } from "../embedding/select-embedder.js";
import { isPostgresUrl } from "../index-location.js";
import { createLimiter } from "../limiter.js";
import { createHostPool, type HostPool, type HostProbe } from "../ollama/host-pool.js";
import { ollamaReachable } from "../ollama/reachable.js";
import { ensureCalibration, MIN_DOCUMENTS, readCalibration } from "../retrieval/calibration.js";
import { createRetriever } from "../retrieval/retriever.js";
import { createSearchPool, type SearchPool } from "../retrieval/search-pool.js";
import type { Retriever } from "../retrieval/types.js";
import { openIndex } from "../store/open-index.js";
import type { Store } from "../store/store.js";

/** What `/health` says about Ollama right now: reachable when any host is, the first one's version. */
interface OllamaProbe {
  reachable: boolean;
  version: string | null;
  /** Each host of OLLAMA_HOST. */
  hosts?: HostProbe[];
}

/**
 * The service: everything the query side needs, built once from the config by `createService` and passed
 * in — to `grounded serve`, `ask`/`search`, the HTTP app and its compatibility endpoints, and the tests.
 */
export interface Service {
  config: Config;
  /** Every Ollama host of OLLAMA_HOST behind one client (src/ollama/host-pool.ts). */
  client: HostPool;
  store: Store;
  embedder: Embedder;
  chatModel: ChatModel | null;
  retriever: Retriever;
  answerer: Answerer;
  /**
   * The answerer for another Ollama chat model (the compat model names `grounded:<chat-model>`), sharing
   * the retriever and the one chat limiter, so GROUNDED_CHAT_CONCURRENCY bounds all answers together.
   */
  answererFor(chatModel: string): Answerer;
  /** Asks Ollama now whether it is there (for `/health`). */
  probeOllama(): Promise<OllamaProbe>;
  warnings: string[];
  /** The worker threads searches run in (`serve` only), or null when they run on the main thread. */
  searchPool: SearchPool | null;
  /** Closes the store at once; the promise settles when the search workers have stopped. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Run searches in `config.searchWorkers` worker threads (the service); the CLI searches in-process. */
  searchWorkers?: boolean;
}

/** Distinct chat models kept ready at once; a client cycling through names must not grow memory forever. */
const MAX_CACHED_ANSWERERS = 8;

export async function createService(
  config: Config,
  log: (message: string) => void = () => {},
  options: ServiceOptions = {},
): Promise<Service> {
  const client = createHostPool(config);
  const store = await openIndex(config.db, { exactSearch: config.exactSearch, onUpgrade: log });
  const warnings: string[] = [];
  let choice: EmbedderChoice;
  let chatModel: ChatModel | null = null;
  let startModel: string | null = null;
  try {
    const index = await store.indexInfo();
    startModel = index?.embedModel ?? null;
    choice = await selectEmbedder(config, client, index, "query");
    if (choice.warning) warnings.push(choice.warning);
    if (config.chatModel !== "none") {
      if (await ollamaReachable(client)) {
        chatModel = createOllamaChatModel({
          client,
          model: config.chatModel,
          host: client.host,
          keepAlive: config.keepAlive,
        });
      } else {
        warnings.push(
          `Ollama is not reachable at ${client.host}: answers are extractive (the best-matching sentences of the sources) until it is started and grounded restarted.`,
        );
      }
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  // Another process may rebuild the index with another model while this one serves (a reindex, or another
  // server on the same database): queries follow the model the index records.
  const embedder = followIndexModel(
    choice.embedder,
    startModel,
    () => store.indexInfo(),
    async (index) => (await selectEmbedder(config, client, index, "query")).embedder,
  );
  // Workers open the index file read-only; an in-memory index (":memory:", tests) stays on this thread, and
  // so does a PostgreSQL one: there the database does the work and the thread only awaits its answers.
  const searchPool =
    options.searchWorkers &&
    config.searchWorkers > 0 &&
    config.db !== ":memory:" &&
    !isPostgresUrl(config.db) &&
    fs.existsSync(config.db)
      ? createSearchPool({ file: config.db, size: config.searchWorkers, exactSearch: config.exactSearch })
      : null;
  // One limiter for everything sent to the chat model: answers, and the rewrites of follow-ups.
  const limiter = createLimiter(config.chatConcurrency, config.chatQueue);
  const retriever = createRetriever({
    store,
    embedder,
    calibration: () => readCalibration(store),
    steps: searchPool?.steps,
    rewrite:
      chatModel && config.rewrite === "auto"
        ? createQuestionRewriter({ chatModel, limiter, timeoutMs: config.rewriteTimeoutMs, log })
        : undefined,
  });
  // An index from before calibration is calibrated once now (a second or two); a stale one (grown or shrunk
  // by a fifth since) is recalibrated in the background while the old calibration serves.
  if (!(await readCalibration(store)) && (await store.counts()).documents >= MIN_DOCUMENTS) {
    log('Calibrating when to answer "not covered" on this index (once; a few seconds)…');
    await ensureCalibration(store, embedder).catch(() => null);
  } else void ensureCalibration(store, embedder).catch(() => null);
  const answerer = createAnswerer({ retriever, chatModel, limiter, think: config.think, warn: log });
  const others = new Map<string, Answerer>();
  const answererFor = (name: string): Answerer => {
    if (name === chatModel?.model) return answerer;
    let other = others.get(name);
    if (!other) {
      const model = createOllamaChatModel({
        client,
        model: name,
        host: client.host,
        keepAlive: config.keepAlive,
      });
      other = createAnswerer({ retriever, chatModel: model, limiter, think: config.think, warn: log });
      if (others.size >= MAX_CACHED_ANSWERERS) others.delete(others.keys().next().value as string);
      others.set(name, other);
    }
    return other;
  };
  return {
    config,
    client,
    store,
    embedder,
    chatModel,
    retriever,
    answerer,
    answererFor,
    probeOllama: async () => {
      const hosts = await client.probe();
      const up = hosts.find((h) => h.reachable);
      return { reachable: up !== undefined, version: up?.version ?? null, hosts };
    },
    warnings,
    searchPool,
    close: async () => {
      const stopping = searchPool?.close();
      await store.close();
      await stopping;
    },
  };
}
