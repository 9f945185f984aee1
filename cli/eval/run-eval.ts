import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ingest } from "../../ingest/pipeline.js";
import type { Config } from "../../src/config.js";
import type { Embedder } from "../../src/embedding/embedder.js";
import { ValidationError } from "../../src/errors.js";
import { indexName, isPostgresUrl } from "../../src/index-location.js";
import { mergeAdjacent } from "../../src/retrieval/passages.js";
import { createRetriever } from "../../src/retrieval/retriever.js";
import type { RetrievalMode } from "../../src/retrieval/types.js";
import { openIndex } from "../../src/store/open-index.js";
import { openStore, type Store } from "../../src/store/store.js";
import { type Hit, judge, type Outcome, type Question, type SetMetrics, summarise } from "./metrics.js";

export interface EvalSetResult {
  set: string;
  mode: RetrievalMode;
  metrics: SetMetrics;
  /** Page attribution check: share of questions whose gold page ranks first when querying with evidence. */
  evidencePageHit1: number | null;
  ingestSeconds: number;
  chunks: number;
}

export function readQuestions(setDir: string): Question[] {
  return fs
    .readFileSync(path.join(setDir, "questions.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Question);
}

/** The first sentence of a question's evidence passage (finance sets), for checking page attribution. */
function evidenceSentence(evidence: string): string {
  const s = evidence.replace(/\s+/g, " ").trim();
  const m = /^(.{40,400}?[.!?。！？])\s/.exec(s);
  return m?.[1] ?? s.slice(0, 400);
}

/**
 * Ingest a set's docs/ into a throwaway index through the real pipeline, then run every question through
 * the same retrieval as /api/search, once per mode on the same index.
 */
export async function evaluateSet(
  setDir: string,
  config: Config,
  embedder: Embedder,
  modes: RetrievalMode[],
  onProgress: (done: number, total: number, label: string) => void,
  limit?: number,
): Promise<EvalSetResult[]> {
  const name = path.basename(path.resolve(setDir));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grounded-eval-"));
  const store = await evalIndex(config, tmp);
  try {
    const summary = await ingest({ store, embedder, config }, { roots: [path.join(setDir, "docs")] });
    const retriever = createRetriever({ store, embedder });
    let questions = readQuestions(setDir);
    if (limit !== undefined) questions = questions.slice(0, limit);
    const results: EvalSetResult[] = [];
    for (const mode of modes) {
      const outcomes: Outcome[] = [];
      const latencies: number[] = [];
      for (const [i, q] of questions.entries()) {
        // One ranking, judged at k = 1, 5, 10 as the search returns it for each k: the first k chunks,
        // neighbours joined into passages (ranking does not depend on k up to 10: see candidates()).
        const r = await retriever.retrieve(q.question, { k: 10, mode, merge: false });
        latencies.push(r.ms);
        outcomes.push(judge(q, (k) => mergeAdjacent(r.results.slice(0, k)) as Hit[]));
        if (i % 25 === 0 || i === questions.length - 1)
          onProgress(i + 1, questions.length, `${name} ${mode}`);
      }
      let evidencePageHit1: number | null = null;
      const withEvidence = questions.filter((q) => q.evidence && q.page !== null);
      if (withEvidence.length) {
        let hits = 0;
        for (const q of withEvidence) {
          const r = await retriever.retrieve(evidenceSentence(q.evidence ?? ""), { k: 1, mode });
          const top = r.results[0];
          if (top && top.source === q.source.replace(/^docs\//, "") && top.page === q.page) hits++;
        }
        evidencePageHit1 = hits / withEvidence.length;
      }
      results.push({
        set: name,
        mode,
        metrics: summarise(outcomes, latencies),
        evidencePageHit1,
        ingestSeconds: summary.seconds,
        chunks: summary.chunks,
      });
    }
    return results;
  } finally {
    // A database given to eval is emptied again for the next set (a temporary SQLite file is just removed).
    const info = isPostgresUrl(config.db) ? await store.indexInfo() : null;
    if (info) await store.reset(info);
    await store.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The throwaway index a set is ingested into: a temporary SQLite file, or, when GROUNDED_DB / --db is a
 * PostgreSQL URL, that database, which must be empty (eval empties it again after each set).
 */
async function evalIndex(config: Config, tmp: string): Promise<Store> {
  if (!isPostgresUrl(config.db)) return openStore(path.join(tmp, "eval.db"));
  const store = await openIndex(config.db);
  const { documents } = await store.counts();
  if (documents > 0) {
    await store.close();
    throw new ValidationError(
      `eval ingests each set into an empty index and empties it after, but ${indexName(config.db)} holds ${documents} documents. Give it an empty database (createdb grounded_eval) with --db.`,
    );
  }
  return store;
}
