import fs from "node:fs";
import type { IngestSummary } from "../../ingest/ingest-report.js";
import { acquireIngestLock } from "../../ingest/lock.js";
import { ingest } from "../../ingest/pipeline.js";
import { commitOnThread } from "../../ingest/threaded-commits.js";
import type { Config } from "../../src/config.js";
import { selectEmbedder } from "../../src/embedding/select-embedder.js";
import { ValidationError } from "../../src/errors.js";
import { indexName } from "../../src/index-location.js";
import { createHostPool } from "../../src/ollama/host-pool.js";
import { openIndex } from "../../src/store/open-index.js";
import type { Store } from "../../src/store/store.js";
import { defineCommand, usageLine } from "../command.js";
import { configFor, userPaths } from "../invocation.js";
import { createProgress, type Output } from "../progress.js";
import { runWatch } from "../watching.js";

/** Ingest the given paths into the index; the exit code is 0 when every file succeeded, 1 when some failed. */
export const ingestCommand = defineCommand({
  name: "ingest",
  args: "<file-or-folder>...",
  summary:
    "index documents (PDF, Markdown, text, HTML, DOCX); --watch keeps the index in sync as files change",
  flags: {
    prune: { type: "boolean", help: "remove documents whose files are gone from the folders given" },
    reindex: { type: "boolean", help: "embed everything again (after changing the embedding model)" },
    watch: { type: "boolean", help: "after indexing, keep watching the folders and index changes" },
  },
  common: ["db", "embed-model", "ollama-host", "json"],
  async run({ values, positionals, inv, out, err }) {
    if (positionals.length === 0)
      throw new ValidationError(
        `Name at least one file or folder to ingest.\nUsage: ${usageLine(ingestCommand, inv.cli)}`,
      );
    // A mistyped path is a usage error, found before the index (or its lock) is created.
    const roots = userPaths(inv, positionals);
    const missing = roots.filter((p) => !fs.existsSync(p));
    if (missing.length)
      throw new ValidationError(
        `${missing.join(", ")} ${missing.length === 1 ? "does" : "do"} not exist. Check the path; nothing was ingested.`,
      );
    const config = configFor(inv, values);
    // Watching starts with a full sync (which also prunes), so no separate first run.
    if (values.watch) return runWatch(config, roots, out, err);
    const summary = await ingestPaths(
      config,
      roots,
      { prune: values.prune, reindex: values.reindex },
      out,
      err,
    );
    if (values.json) out.write(`${JSON.stringify(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  },
});

export async function ingestPaths(
  config: Config,
  paths: string[],
  options: { prune?: boolean | undefined; reindex?: boolean | undefined },
  out: Output,
  err: Output,
): Promise<IngestSummary> {
  const release = acquireIngestLock(config.db);
  let store: Store;
  try {
    store = await openIndex(config.db, { onUpgrade: (m) => err.write(`${m}\n`) });
  } catch (error) {
    release();
    throw error;
  }
  try {
    const choice = await selectEmbedder(config, createHostPool(config), await store.indexInfo(), "ingest", {
      reindex: options.reindex ?? false,
    });
    if (choice.warning) err.write(`\n!! ${choice.warning}\n\n`);
    out.write(`Ingesting into ${indexName(config.db)} with embedding model "${choice.embedder.model}"\n`);
    const progress = createProgress(out);
    const commits = commitOnThread(store);
    try {
      const summary = await ingest(
        {
          store: commits.store,
          embedder: choice.embedder,
          config,
          measureShare: commits.measureShare,
          commitsOffThread: commits.offThread,
        },
        {
          roots: paths,
          prune: options.prune ?? false,
          reindex: options.reindex ?? false,
          onEvent: progress.onEvent,
        },
      );
      progress.finish(summary);
      return summary;
    } finally {
      await commits.close();
    }
  } finally {
    await store.close();
    release();
  }
}
