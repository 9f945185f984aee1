import type { Embedder } from "../embedding/embedder.js";
import type { Store } from "../store/store.js";
import { CALIBRATION_VERSION, type Calibration } from "./coverage.js";
import {
  candidates,
  finishSearch,
  lexicalCandidates,
  vectorCandidates,
  withoutVectorSide,
} from "./search-index.js";

/**
 * Calibrates the "not covered" decision of one index against itself (src/retrieval/coverage.ts says why).
 *
 * Pseudo-questions are cut from the index's own chunks: a stretch of one sentence about as long as a
 * question (12 to 36 CJK characters or 6 to 18 words). Each is searched as a question would be, and its own
 * document's chunks are left out of the results: what remains is what a question about a document that is
 * not in the index finds. An index of fewer than MIN_DOCUMENTS documents is not calibrated: the other parts
 * of one statute are not "another document", and questions about it would be refused (measured: 11 of 12
 * pdf-zh questions); src/retrieval/coverage.ts then decides only the plain cases. Their evidence, sorted,
 * is the calibration. It is stored with the index (meta key `coverage_calibration`) and made again when the
 * index has grown or shrunk by a fifth, or uses another embedding model.
 */
export const CALIBRATION_KEY = "coverage_calibration";
const SAMPLES = 160;
export const MIN_DOCUMENTS = 3;
const K = 6;
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** A small deterministic generator, so one index always gets the same calibration. */
function generator(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const sentences = new Intl.Segmenter(undefined, { granularity: "sentence" });

/** A question-sized stretch of one sentence of `text`, or null when the text has no sentence worth one. */
export function pseudoQuestion(text: string, random: () => number): string | null {
  const candidates = Array.from(sentences.segment(text), (s) => s.segment.replace(/\s+/g, " ").trim()).filter(
    (s) => s.length >= 12 && !/^#/.test(s),
  );
  if (candidates.length === 0) return null;
  const sentence = candidates[Math.floor(random() * candidates.length)] ?? "";
  // Questions come in many lengths, and how much a text shares with a passage grows with its length:
  // the stretches do too (12 to 36 CJK characters, 6 to 18 words).
  if (CJK.test(sentence)) {
    const chars = Array.from(sentence);
    const length = 12 + Math.floor(random() * 25);
    const start = Math.floor(random() * Math.max(1, chars.length - length));
    return chars.slice(start, start + length).join("");
  }
  const words = sentence.split(" ");
  const length = 6 + Math.floor(random() * 13);
  const start = Math.floor(random() * Math.max(1, words.length - length));
  return words.slice(start, start + length).join(" ");
}

/** Whether a stored calibration still describes the index (same model, size within a fifth). */
export function calibrationCurrent(c: Calibration | null, chunks: number, embedModel: string): boolean {
  if (c?.version !== CALIBRATION_VERSION || c.embedModel !== embedModel) return false;
  return Math.abs(chunks - c.chunks) <= Math.max(2, c.chunks * 0.2);
}

export async function readCalibration(store: Store): Promise<Calibration | null> {
  const raw = await store.meta(CALIBRATION_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Calibration;
  } catch {
    return null;
  }
}

/** A pseudo-question and the document it was cut from (left out of its own results). */
export interface PseudoQuestion {
  question: string;
  documentId: number;
}

/** What a share of the pseudo-questions measured, one value per question (unsorted). */
export interface MeasuredShare {
  lexical: number[];
  similarity: number[];
}

/**
 * Measures a share of the pseudo-questions somewhere else (a second thread with its own connection to the
 * same index): `vectors` are the share's query vectors, null when the embedder could not answer.
 */
export type MeasureShare = (
  questions: PseudoQuestion[],
  vectors: Promise<Float32Array[] | null>,
) => Promise<MeasuredShare>;

/** Fewest pseudo-questions worth sending to another thread. */
const MIN_SHARE = 20;

/**
 * Measure the calibration of `store` (null when it has fewer than three chunks: nothing to compare with).
 * The vector side is measured when the embedder answers; when it cannot (Ollama down), only the lexical
 * side is, and the next calibration fills it in. With `elsewhere`, half of the pseudo-questions are
 * measured there meanwhile: each question's evidence does not depend on the others, and the lists are
 * sorted, so the calibration is the same.
 */
async function measureCalibration(
  store: Store,
  embedder: Embedder,
  signal?: AbortSignal,
  elsewhere?: MeasureShare,
): Promise<Calibration | null> {
  const { chunks, documents } = await store.counts();
  if (chunks < 3 || documents < MIN_DOCUMENTS) return null;
  const ids = await store.chunkIds();
  const random = generator(chunks * 31 + documents);
  const picked: PseudoQuestion[] = [];
  const wanted = Math.min(SAMPLES, chunks * 8);
  for (let tries = 0; picked.length < wanted && tries < wanted * 4; tries++) {
    const row = (await store.chunks([ids[Math.floor(random() * ids.length)] ?? 0]))[0];
    const question = row ? pseudoQuestion(row.text, random) : null;
    if (row && question) picked.push({ question, documentId: row.documentId });
  }
  if (picked.length === 0) return null;

  // The pseudo-questions are embedded while their lexical side is searched (it needs no vectors).
  const embedding = embedQuestions(
    embedder,
    picked.map((p) => p.question),
    signal,
  );
  embedding.catch(() => {}); // awaited below; an abort meanwhile must not leave it unhandled
  const half = elsewhere && picked.length >= 2 * MIN_SHARE ? Math.ceil(picked.length / 2) : picked.length;
  const theirs = picked.slice(half);
  const share = (from: number, to: number) => embedding.then((v) => v?.slice(from, to) ?? null);
  const measuredThere =
    elsewhere && theirs.length > 0
      ? elsewhere(theirs, share(half, picked.length)).catch(() =>
          // The other thread failed: its share is measured here after all.
          measureQuestions(store, theirs, share(half, picked.length), signal),
        )
      : Promise.resolve({ lexical: [], similarity: [] });
  measuredThere.catch(() => {});
  const here = await measureQuestions(store, picked.slice(0, half), share(0, half), signal);
  const there = await measuredThere;
  const vectors = await embedding;
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b).map((x) => Math.round(x * 1e4) / 1e4);
  const similarity = [...here.similarity, ...there.similarity];
  return {
    version: CALIBRATION_VERSION,
    chunks,
    embedModel: embedder.model,
    lexical: sorted([...here.lexical, ...there.lexical]),
    similarity: vectors && similarity.length > 0 ? sorted(similarity) : null,
  };
}

/**
 * Each pseudo-question searched as a question would be, with its own document left out: the lexical
 * evidence of what remains, and the best vector similarity when there are query vectors.
 */
export async function measureQuestions(
  store: Store,
  picked: PseudoQuestion[],
  embedding: Promise<Float32Array[] | null>,
  signal?: AbortSignal,
): Promise<MeasuredShare> {
  const seqOf = new Map<number, { documentId: number; seq: number }>();
  const place = async (ids: number[]) => {
    const unknown = ids.filter((id) => !seqOf.has(id));
    for (const c of await store.chunks(unknown))
      seqOf.set(c.chunkId, { documentId: c.documentId, seq: c.seq });
  };
  // Between steps the event loop runs: a server recalibrating after an upload keeps answering meanwhile
  // (each step is one search's worth of SQLite work).
  const pause = async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
  const requests = picked.map(({ question }) => ({
    query: question,
    queryVector: undefined as Float32Array | undefined,
    k: K,
    mode: "hybrid" as const,
  }));
  const lexicalAll = [];
  for (const request of requests) {
    await pause();
    lexicalAll.push(await lexicalCandidates(store, request));
  }
  const vectors = await embedding;
  for (const [i, request] of requests.entries()) {
    request.queryVector = vectors?.[i];
    const searched = lexicalAll[i] as (typeof lexicalAll)[number];
    lexicalAll[i] = await withoutVectorSide((r) => lexicalCandidates(store, r), request, searched);
  }
  // The vector side of every pseudo-question in one pass over the vectors (the same hits as one search at a
  // time, src/store/vectors.ts knnBatch), with the lexical candidates' similarities that fusion needs.
  const searched = vectors
    ? await batchedVectors(
        store,
        vectors,
        lexicalAll.map((l) => l.hits.map((h) => h.id)),
      )
    : store;
  const lexical: number[] = [];
  const similarity: number[] = [];
  for (const [i, { documentId }] of picked.entries()) {
    await pause();
    const request = requests[i] as (typeof requests)[number];
    const elsewhere = (id: number) => {
      const other = seqOf.get(id);
      return other !== undefined && other.documentId !== documentId;
    };
    // Both sides lose the question's own document before fusion, as if it had never been ingested. (The
    // lexical side once kept it: in an index of few long documents its own chunks then filled the top ten,
    // nothing was left, and a sixth of the pseudo-questions counted as sharing nothing with the index.)
    const lexicalOwn = lexicalAll[i] as (typeof lexicalAll)[number];
    const vectorAll = await vectorCandidates(searched, request);
    await place([...lexicalOwn.hits, ...vectorAll].map((h) => h.id));
    const lexicalSide = { ...lexicalOwn, hits: lexicalOwn.hits.filter((h) => elsewhere(h.id)) };
    const vectorSide = vectorAll.filter((h) => elsewhere(h.id));
    const found = await finishSearch(searched, request, lexicalSide, vectorSide);
    lexical.push(found.evidence.lexical);
    if (request.queryVector && vectorSide.length > 0)
      similarity.push(Math.max(...vectorSide.map((h) => h.score)));
  }
  return { lexical, similarity };
}

/** The questions' query vectors, or null when the embedder cannot answer (only an abort throws). */
async function embedQuestions(
  embedder: Embedder,
  questions: string[],
  signal?: AbortSignal,
): Promise<Float32Array[] | null> {
  try {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < questions.length; i += 32)
      vectors.push(...(await embedder.embed(questions.slice(i, i + 32), { role: "query", signal })));
    return vectors;
  } catch (e) {
    if (signal?.aborted) throw e;
    return null;
  }
}

/**
 * `store` with its vector search answered from one batched pass for these query vectors (the searches
 * vectorCandidates and finishSearch make for them); anything else goes to the store as before.
 */
async function batchedVectors(store: Store, queries: Float32Array[], lexicalIds: number[][]): Promise<Store> {
  const k = candidates(K);
  const batch = await store.vectorBatch(queries, k, lexicalIds);
  if (!batch) return store;
  const byQuery = new Map(queries.map((q, i) => [q, batch[i]]));
  return {
    ...store,
    async vector(query, wanted, allowed) {
      const hits = byQuery.get(query);
      if (hits && !allowed && wanted === k) return hits.nearest;
      if (hits && allowed?.every((id) => hits.similarity.has(id)))
        return allowed
          .map((chunkId) => ({ chunkId, similarity: hits.similarity.get(chunkId) as number }))
          .sort((a, b) => b.similarity - a.similarity || a.chunkId - b.chunkId)
          .slice(0, wanted);
      return store.vector(query, wanted, allowed);
    },
  };
}

/**
 * Make sure the index's calibration is current, measuring and storing a new one when it is not (or removing
 * it when the index has become too small). Returns the calibration in use, or null.
 */
export async function ensureCalibration(
  store: Store,
  embedder: Embedder,
  signal?: AbortSignal,
  elsewhere?: MeasureShare,
): Promise<Calibration | null> {
  const stored = await readCalibration(store);
  const { chunks } = await store.counts();
  if (
    calibrationCurrent(stored, chunks, embedder.model) &&
    (stored?.similarity || embedder.kind === "builtin")
  )
    return stored;
  const fresh = await measureCalibration(store, embedder, signal, elsewhere);
  if (fresh) await store.setMeta(CALIBRATION_KEY, JSON.stringify(fresh));
  else if (stored) await store.setMeta(CALIBRATION_KEY, "");
  return fresh;
}
