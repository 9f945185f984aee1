/**
 * How well each kind of coverage evidence could separate answerable questions from questions about absent
 * documents, at its best possible threshold (an oracle, chosen by looking at the answers): the share of
 * absent-document questions refused when at most 2 % of the answerable ones are. The evidence in use (the
 * largest share of the question one retrieved chunk holds, src/retrieval/relevance.ts) against candidates
 * that are not used: the share held by a window of 1–3 adjacent sentences, by a chunk with its neighbours,
 * by all the retrieved chunks of one document, the share less the weight of question parts that occur
 * nowhere in the index, the vector side's best similarity, and the calibrated lexical standing. Also prints
 * what grounded decides for the absent-document questions (refused / partial / answered). Built-in embedder,
 * the even-half index of each set as `grounded eval --answers` builds it, 300 questions per half.
 *
 * Usage: npx tsx test/tools/coverage-oracle.ts <eval-root> drcd-dev cmrc-trial covidqa-dev
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { halfIndexQuestions } from "../../cli/eval/answer-eval.js";
import { ingest } from "../../ingest/pipeline.js";
import { loadConfig } from "../../src/config.js";
import { createBuiltinEmbedder } from "../../src/embedding/builtin-embedder.js";
import { readCalibration } from "../../src/retrieval/calibration.js";
import type { Coverage } from "../../src/retrieval/coverage.js";
import { relevanceWeights } from "../../src/retrieval/relevance.js";
import { createRetriever } from "../../src/retrieval/retriever.js";
import { openStore } from "../../src/store/store.js";
import { ftsDocumentText } from "../../src/text/terms.js";

const [root = "../shared/eval", ...sets] = process.argv.slice(2);
const SENTENCE = /(?<=[.!?。！？；;])\s*|\n+/u;
const quote = (term: string) => `"${term.replaceAll('"', '""')}"`;
const FEATURES = [
  "chunk",
  "win1",
  "win2",
  "win3",
  "neighbours",
  "document",
  "lessUnseen",
  "vector",
  "standing",
];
type Row = { coverage: Coverage; values: Record<string, number> };

/** The best threshold that refuses at most 2 % of the answerable questions, and what it refuses of the absent. */
function oracle(answerable: number[], absent: number[]) {
  const thresholds = [...new Set([...answerable, ...absent])].sort((a, b) => a - b);
  let best = { t: 0, falseRefusals: 0, absentRefused: 0 };
  for (const t of thresholds) {
    const falseRefusals = answerable.filter((x) => x < t).length / answerable.length;
    if (falseRefusals > 0.02) break;
    best = { t, falseRefusals, absentRefused: absent.filter((x) => x < t).length / absent.length };
  }
  return best;
}

for (const set of sets) {
  const { docsDir, ingested, answerable, absent } = halfIndexQuestions(path.join(root, set), 300);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "coverage-oracle-"));
  const db = path.join(tmp, "e.db");
  const store = openStore(db);
  const config = loadConfig({
    GROUNDED_EMBED_MODEL: "builtin",
    GROUNDED_CHAT_MODEL: "none",
    GROUNDED_DB: db,
  } as NodeJS.ProcessEnv);
  const embedder = createBuiltinEmbedder();
  await ingest({ store, embedder, config }, { roots: ingested.map((f) => path.join(docsDir, f)) });
  const retriever = createRetriever({ store, embedder, calibration: () => readCalibration(store) });

  const measure = async (question: string): Promise<Row> => {
    const r = await retriever.retrieve(question, { k: 6, merge: false });
    const { parts } = await relevanceWeights(store, question);
    const whole = parts.reduce((s, p) => s + p.weight, 0) || 1;
    const heldByTerms = (terms: Set<string>) =>
      parts.reduce((s, p) => s + (p.terms.some((t) => terms.has(t)) ? p.weight : 0), 0) / whole;
    // Sentence windows inside each retrieved chunk.
    const windows = [0, 0, 0];
    for (const c of r.results) {
      const sentences = c.text
        .split(SENTENCE)
        .filter((s) => s.trim())
        .map((s) => new Set(ftsDocumentText(s).split(" ")));
      for (let i = 0; i < sentences.length; i++) {
        for (const n of [1, 2, 3]) {
          const union = new Set(sentences.slice(i, i + n).flatMap((s) => [...s]));
          windows[n - 1] = Math.max(windows[n - 1] ?? 0, heldByTerms(union));
        }
      }
    }
    // Chunk sets: each chunk with its neighbours, and all retrieved chunks of one document (through FTS5, as the
    // evidence in use is measured, so titles and headings indexed with a chunk count).
    const neighbourSets: number[][] = [];
    const byDocument = new Map<number, number[]>();
    for (const c of r.results) {
      byDocument.set(c.documentId, [...(byDocument.get(c.documentId) ?? []), c.chunkId]);
      const all = await store.documentChunks(c.documentId);
      neighbourSets.push(all.filter((n) => Math.abs(n.seq - c.seq) <= 1).map((n) => n.chunkId));
    }
    const pool = [...new Set(neighbourSets.flat())];
    const holders: Array<Set<number>> = [];
    let unseen = 0;
    for (const p of parts) {
      const ids = new Set<number>();
      let df = Number.POSITIVE_INFINITY;
      for (const t of p.terms) {
        for (const id of await store.matching(quote(t), pool)) ids.add(id);
        df = Math.min(df, await store.countMatching(quote(t), 1));
      }
      holders.push(ids);
      if (df === 0) unseen += p.weight / whole;
    }
    const heldBy = (chunkIds: number[]) =>
      parts.reduce((s, p, i) => s + (chunkIds.some((id) => holders[i]?.has(id)) ? p.weight : 0), 0) / whole;
    const values = {
      chunk: r.evidence.lexical,
      win1: windows[0] ?? 0,
      win2: windows[1] ?? 0,
      win3: windows[2] ?? 0,
      neighbours: Math.max(0, ...neighbourSets.map(heldBy)),
      document: Math.max(0, ...[...byDocument.values()].map(heldBy)),
      lessUnseen: r.evidence.lexical - unseen,
      vector: r.evidence.similarity ?? 0,
      standing: r.standing.lexical,
    };
    return { coverage: r.coverage, values };
  };
  const A: Row[] = [];
  const B: Row[] = [];
  for (const q of answerable) A.push(await measure(q.question));
  for (const q of absent) B.push(await measure(q.question));
  for (const f of FEATURES) {
    const o = oracle(
      A.map((r) => r.values[f] ?? 0),
      B.map((r) => r.values[f] ?? 0),
    );
    console.log(
      `${set} ${f.padEnd(10)} t=${o.t.toFixed(3)} false refusals ${o.falseRefusals.toFixed(3)} absent refused ${o.absentRefused.toFixed(3)}`,
    );
  }
  const share = (rows: Row[], c: Coverage) =>
    (rows.filter((r) => r.coverage === c).length / rows.length).toFixed(3);
  console.log(
    `${set} grounded decides: answerable refused ${share(A, "not_covered")}, partial ${share(A, "partial")}; ` +
      `absent refused ${share(B, "not_covered")}, partial ${share(B, "partial")}, answered ${share(B, "answered")}`,
  );
  await store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
