/**
 * How well a piece of coverage evidence separates answerable questions from questions about absent
 * documents, at its best possible threshold (an oracle, chosen by looking at the answers): the share of
 * absent-document questions refused when at most 2 % of the answerable ones are. Compares the evidence in
 * use (the largest share of the question one retrieved chunk holds, src/retrieval/relevance.ts) with the
 * share held by a window of 1, 2 or 3 adjacent sentences of a retrieved chunk. Built-in embedder, the
 * even-half index of each set as `grounded eval --answers` builds it, 300 questions per half.
 *
 * Usage: npx tsx test/tools/evidence-oracle.ts <eval-root> drcd-dev cmrc-trial covidqa-dev
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { normaliseForMatch } from "../../cli/eval/metrics.js";
import { readQuestions } from "../../cli/eval/run-eval.js";
import { ingest } from "../../ingest/pipeline.js";
import { loadConfig } from "../../src/config.js";
import { createBuiltinEmbedder } from "../../src/embedding/builtin-embedder.js";
import { readCalibration } from "../../src/retrieval/calibration.js";
import { relevanceWeights } from "../../src/retrieval/relevance.js";
import { createRetriever } from "../../src/retrieval/retriever.js";
import { openStore } from "../../src/store/store.js";
import { ftsDocumentText } from "../../src/text/terms.js";

const [root = "../shared/eval", ...sets] = process.argv.slice(2);
const limit = 300;
const SENT = /(?<=[.!?。！？；;])\s*|\n+/u;
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const step = items.length / n;
  return Array.from({ length: n }, (_, i) => items[Math.floor(i * step)] as T);
}
type Row = { chunk: number; win1: number; win2: number; win3: number };
function oracle(ans: number[], abs: number[]) {
  const ts = [...new Set([...ans, ...abs])].sort((a, b) => a - b);
  let best = { t: 0, fr: 0, ar: 0 };
  for (const t of ts) {
    const fr = ans.filter((x) => x < t).length / ans.length;
    if (fr > 0.02) break;
    const ar = abs.filter((x) => x < t).length / abs.length;
    best = { t, fr, ar };
  }
  return best;
}
for (const set of sets) {
  const setDir = path.join(root, set);
  const files = fs.readdirSync(path.join(setDir, "docs")).sort();
  const ingested = files.filter((_, i) => i % 2 === 0);
  const inIndex = new Set(ingested);
  const texts = ingested.map((f) => normaliseForMatch(fs.readFileSync(path.join(setDir, "docs", f), "utf8")));
  const qs = readQuestions(setDir);
  const want = (q: { source: string }) => q.source.replace(/^docs\//, "");
  const answerable = spread(
    qs.filter((q) => inIndex.has(want(q))),
    limit,
  );
  const absent = spread(
    qs.filter(
      (q) =>
        !inIndex.has(want(q)) &&
        !q.answers.some((a) => {
          const n = normaliseForMatch(a);
          return n.length > 0 && texts.some((t) => t.includes(n));
        }),
    ),
    limit,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "winexp-"));
  const store = openStore(path.join(tmp, "e.db"));
  const config = loadConfig({
    GROUNDED_EMBED_MODEL: "builtin",
    GROUNDED_CHAT_MODEL: "none",
    GROUNDED_DB: path.join(tmp, "e.db"),
  } as NodeJS.ProcessEnv);
  const embedder = createBuiltinEmbedder();
  await ingest({ store, embedder, config }, { roots: ingested.map((f) => path.join(setDir, "docs", f)) });
  const retriever = createRetriever({ store, embedder, calibration: () => readCalibration(store) });
  const measure = async (q: string): Promise<Row> => {
    const r = await retriever.retrieve(q, { k: 6, merge: false });
    const { parts } = await relevanceWeights(store, q);
    const whole = parts.reduce((s, p) => s + p.weight, 0) || 1;
    const held = (terms: Set<string>) =>
      parts.reduce((s, p) => s + (p.terms.some((t) => terms.has(t)) ? p.weight : 0), 0) / whole;
    let win1 = 0,
      win2 = 0,
      win3 = 0;
    for (const c of r.results) {
      const sents = c.text.split(SENT).filter((s) => s.trim());
      const sets = sents.map((s) => new Set(ftsDocumentText(s).split(" ")));
      for (let i = 0; i < sets.length; i++) {
        const u = (n: number) => {
          const all = new Set<string>();
          for (let j = i; j < Math.min(sets.length, i + n); j++) for (const t of sets[j] ?? []) all.add(t);
          return all;
        };
        win1 = Math.max(win1, held(u(1)));
        win2 = Math.max(win2, held(u(2)));
        win3 = Math.max(win3, held(u(3)));
      }
    }
    return { chunk: r.evidence.lexical, win1, win2, win3 };
  };
  const A: Row[] = [],
    B: Row[] = [];
  for (const q of answerable) A.push(await measure(q.question));
  for (const q of absent) B.push(await measure(q.question));
  for (const k of ["chunk", "win1", "win2", "win3"] as const) {
    const o = oracle(
      A.map((r) => r[k]),
      B.map((r) => r[k]),
    );
    console.log(
      `${set} ${k.padEnd(6)} t=${o.t.toFixed(3)} FR=${o.fr.toFixed(3)} absentRefused=${o.ar.toFixed(3)}`,
    );
  }
  await store.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
