import path from "node:path";
import { type OllamaStandIn, type StandInOptions, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import { cli, type RunningService, startService } from "./app.js";
import type { Backend } from "./backends.js";
import { writeCorpus } from "./corpus.js";
import { tempDir } from "./tmp.js";

/** A running service over an index of its own, with the stand-in Ollama it talks to. */
export interface IndexedService extends RunningService {
  ollama: OllamaStandIn;
  /** The environment the index was built and the service started with. */
  env: Record<string, string>;
  /** The temporary folder holding the documents (`docs/`) and a SQLite index (`index.db`). */
  dir: string;
  docs: string;
  /** What `grounded ingest` printed. */
  ingested: { stdout: string; stderr: string };
  /** Stops the service and the stand-in, and removes the folder. */
  close(): Promise<void>;
}

export interface IndexedServiceOptions {
  standIn?: StandInOptions;
  /** Settings beyond the stand-in's address and the index file. */
  env?: Record<string, string>;
  /** Writes the documents to index into `docs` (default: the test corpus, helpers/corpus.ts). */
  writeDocs?: (docs: string) => void;
  /** What the service logs (`grounded serve` writes it to stderr). */
  log?: (message: string) => void;
  /** The index backend (default SQLite, `index.db` in the folder): helpers/backends.ts. */
  backend?: Backend;
}

/**
 * The set-up most service tests share: a stand-in Ollama on a real port, documents in a fresh folder,
 * `grounded ingest` run on them as a user would, and the service started the way `grounded serve` starts it.
 */
export async function startIndexedService(options: IndexedServiceOptions = {}): Promise<IndexedService> {
  const ollama = await startOllamaStandIn(options.standIn);
  const tmp = tempDir();
  const index = options.backend ? await options.backend.create() : null;
  const cleanup = async () => {
    tmp.cleanup();
    await index?.drop();
  };
  try {
    const docs = path.join(tmp.dir, "docs");
    (options.writeDocs ?? writeCorpus)(docs);
    const db = index?.db ?? path.join(tmp.dir, "index.db");
    const env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: db, ...options.env };
    const run = await cli(["ingest", docs], env);
    if (run.code !== 0) throw new Error(`grounded ingest exited ${run.code}:\n${run.stderr}`);
    const service = await startService(env, options.log);
    return {
      ...service,
      ollama,
      env,
      dir: tmp.dir,
      docs,
      ingested: { stdout: run.stdout, stderr: run.stderr },
      close: async () => {
        await service.close();
        await ollama.close();
        await cleanup();
      },
    };
  } catch (e) {
    await ollama.close();
    await cleanup();
    throw e;
  }
}
