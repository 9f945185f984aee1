import type { Store } from "../store/store.js";
import { buildFtsQuery } from "../text/fts-query.js";
import type { CoverageEvidence } from "./coverage.js";
import { fuse, type Scored } from "./fusion.js";
import { proximityRerank } from "./proximity.js";
import { coveredShare, type QueryContext, type RelevanceWeights, relevanceWeights } from "./relevance.js";
import type { RetrievalMode, RetrievedChunk } from "./types.js";

/** Everything a search needs once the query is embedded; plain data, so it can cross to a worker thread. */
export interface IndexSearch {
  query: string;
  /** The query's embedding; absent for lexical search, or when a hybrid search could not embed it. */
  queryVector?: Float32Array | undefined;
  k: number;
  mode: RetrievalMode;
  /** Only chunks whose document source starts with this prefix. */
  filter?: { source?: string | undefined } | undefined;
  /**
   * The conversation before the question (a follow-up's subject), folded in at a lower weight on the lexical
   * side; the vector side gets it already folded into `queryVector` (src/retrieval/retriever.ts).
   */
  context?: QueryContext | undefined;
}

export interface IndexSearchResult {
  results: RetrievedChunk[];
  /** What the results say about whether the index covers the question (judged in src/retrieval/coverage.ts). */
  evidence: CoverageEvidence;
}

/** How many candidates each side contributes before fusion. */
export function candidates(k: number): number {
  return Math.max(50, k * 5);
}

/**
 * A search in three steps, each self-contained, so that a search pool can run the lexical
 * side while the query is still being embedded and the vector side beside it on another thread
 * (src/retrieval/search-pool.ts); `searchIndex` runs them one after another.
 *
 * - lexical: FTS5 BM25 candidates with the proximity re-rank;
 * - vector: KNN candidates for the query's embedding;
 * - finish: every candidate scored on both sides, fusion, the relevance judge and the chunk fetch.
 */
export type SearchStep =
  | { step: "lexical"; request: IndexSearch }
  | { step: "vector"; request: IndexSearch }
  | { step: "finish"; request: IndexSearch; lexical: LexicalSide; vector: Scored[] }
  | { step: "vector+finish"; request: IndexSearch; lexical: LexicalSide };

/** What the lexical step hands on: its candidates, and the question's term weights for the relevance judge. */
export interface LexicalSide {
  hits: Scored[];
  weights: RelevanceWeights;
  /**
   * Set when a hybrid search left out the question's common terms entirely (every single term occurs in
   * more than half of the chunks): its candidates are only those of its rarer phrases, perhaps none, and
   * the vector side ranks. Without a query vector after all, the lexical side is searched again in full.
   */
  weightedOnly?: true;
}

async function allowedIds(store: Store, filter: IndexSearch["filter"]): Promise<number[] | undefined> {
  return filter?.source ? await store.chunkIdsWithSourcePrefix(filter.source) : undefined;
}

/** Single terms of a question searched at most; a longer one keeps its rarest. */
const LONG_QUESTION_TERMS = 96;
/** Common terms kept when a question has nothing else. */
const COMMON_KEPT = 3;

/**
 * The query without its terms that occur in more than half of the chunks (a synthetic collection's shared
 * vocabulary, "covid" in a set of COVID papers): BM25 gives them ~0 weight, so the ranking of what matches the
 * other terms does not change, but FTS5 no longer scores nearly every row for each of them. `match` is null
 * when nothing is common. When every single term is that common, their weights are all ~0: `match` keeps
 * the first COMMON_KEPT of them with the rarer phrases (a phrase alone may match nothing at all, and a
 * lexical-only search must still find something), and `weighted` is the rarer phrases alone, or null when
 * there are none: what a hybrid search uses, leaving the ranking to the vector side instead of to FTS5
 * scoring nearly every row by terms that weigh nothing (docs/retrieval.md, "Common terms").
 */
async function withoutCommonTerms(
  store: Store,
  fts: ReturnType<typeof buildFtsQuery>,
): Promise<{ match: string | null; weighted?: string | null }> {
  const { phrases } = fts.terms;
  // A pasted paragraph: hundreds of terms, each in thousands of rows, made one search take most of a second.
  // Its rarest terms carry the BM25 weight; the others are dropped first.
  const single = await store.rarestTerms(fts.terms.single, LONG_QUESTION_TERMS);
  const shortened = single.length < fts.terms.single.length;
  const common = await store.commonTerms([...single, ...phrases]);
  if (common.size === 0) return { match: shortened ? [...single, ...phrases].join(" OR ") : null };
  const keptSingle = single.filter((t) => !common.has(t));
  const keptPhrases = phrases.filter((t) => !common.has(t));
  if (keptSingle.length > 0) return { match: [...keptSingle, ...keptPhrases].join(" OR ") };
  return {
    match: [...single.slice(0, COMMON_KEPT), ...keptPhrases].join(" OR "),
    weighted: keptPhrases.length > 0 ? keptPhrases.join(" OR ") : null,
  };
}

export async function lexicalCandidates(store: Store, request: IndexSearch): Promise<LexicalSide> {
  const { query, k, mode, filter, context } = request;
  // The judge's weights need only the question: on a database they are counted while the search runs.
  const weighing = relevanceWeights(store, query, context);
  weighing.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
  const fts = buildFtsQuery(query);
  if (mode === "vector" || !fts.match) return { hits: [], weights: await weighing };
  const allowed = await allowedIds(store, filter);
  const pruned = await withoutCommonTerms(store, fts);
  const contextFts = context && context.weight > 0 ? buildFtsQuery(context.text) : null;
  // A hybrid search whose every term weighs nothing leaves the ranking to the vector side (a follow-up
  // keeps its conversation's terms, which may weigh something).
  const weightedOnly = mode === "hybrid" && !contextFts && pruned.weighted !== undefined;
  const match = weightedOnly ? pruned.weighted : (pruned.match ?? fts.match);
  let hits = (match ? await store.lexical(match, candidates(k), allowed) : []).map((h) => ({
    id: h.chunkId,
    score: h.score,
  }));
  const contextMatch = contextFts
    ? ((await withoutCommonTerms(store, contextFts)).match ?? contextFts.match)
    : null;
  if (contextMatch && match)
    hits = await foldContext(store, match, contextMatch, context?.weight ?? 0, hits, k, allowed);
  return {
    hits: await proximityRerank(
      query,
      hits,
      async (ids) => new Map((await store.chunks(ids)).map((c) => [c.chunkId, c.text])),
    ),
    weights: await weighing,
    ...(weightedOnly ? { weightedOnly: true as const } : {}),
  };
}

/**
 * A follow-up question's BM25 plus `weight` times its conversation's: the candidates of both queries, each
 * scored on both, so a chunk about the earlier subject that also answers the follow-up rises, while a
 * question that names a new subject keeps its own hits on top (its own terms count fully).
 */
async function foldContext(
  store: Store,
  match: string,
  contextMatch: string,
  weight: number,
  own: Scored[],
  k: number,
  allowed: number[] | undefined,
): Promise<Scored[]> {
  const fromContext = await store.lexical(contextMatch, candidates(k), allowed);
  const ids = [...new Set([...own.map((h) => h.id), ...fromContext.map((h) => h.chunkId)])];
  const ownScore = new Map((await store.lexical(match, ids.length, ids)).map((h) => [h.chunkId, h.score]));
  const contextScore = new Map(
    (await store.lexical(contextMatch, ids.length, ids)).map((h) => [h.chunkId, h.score]),
  );
  return ids
    .map((id) => ({ id, score: (ownScore.get(id) ?? 0) + weight * (contextScore.get(id) ?? 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, candidates(k));
}

export async function vectorCandidates(
  store: Store,
  { queryVector, k, mode, filter }: IndexSearch,
): Promise<Scored[]> {
  if (mode === "lexical" || !queryVector) return [];
  return (await store.vector(queryVector, candidates(k), await allowedIds(store, filter))).map((h) => ({
    id: h.chunkId,
    score: h.similarity,
  }));
}

export async function finishSearch(
  store: Store,
  { queryVector, k, mode }: IndexSearch,
  lexicalSide: LexicalSide,
  vectorSide: Scored[],
): Promise<IndexSearchResult> {
  const topSimilarity = vectorSide.length > 0 ? Math.max(...vectorSide.map((v) => v.score)) : null;
  const { lexical, vector } =
    mode === "hybrid" && queryVector
      ? await scoreBothSides(store, queryVector, lexicalSide.hits, vectorSide)
      : { lexical: lexicalSide.hits, vector: vectorSide };

  const ranked = fuse(lexical, vector, mode).slice(0, k);
  const ids = ranked.map((r) => r.id);
  const evidence = {
    lexical: await coveredShare(store, lexicalSide.weights, ids),
    similarity: topSimilarity,
  };

  const scoreOf = new Map(ranked.map((r) => [r.id, r.score]));
  const results = (await store.chunks(ids)).map((c) => ({
    ...c,
    score: scoreOf.get(c.chunkId) ?? 0,
    chunkIds: [c.chunkId],
  }));
  return { results, evidence };
}

/**
 * Every candidate scored on both sides, so fusion compares real scores rather than guessing a floor for a
 * chunk that one side did not return: the vector side computes exact cosine for lexical-only candidates;
 * vector-only candidates get the lexical side's lowest score (at most 0).
 */
export async function scoreBothSides(
  store: Store,
  queryVector: Float32Array,
  lexical: Scored[],
  vector: Scored[],
): Promise<{ lexical: Scored[]; vector: Scored[] }> {
  const inLexical = new Set(lexical.map((x) => x.id));
  const inVector = new Set(vector.map((x) => x.id));
  const lexicalOnly = [...inLexical].filter((id) => !inVector.has(id));
  const vectorOnly = [...inVector].filter((id) => !inLexical.has(id));
  const extra = lexicalOnly.length ? await store.vector(queryVector, lexicalOnly.length, lexicalOnly) : [];
  const bottom = Math.min(0, ...lexical.map((x) => x.score));
  return {
    lexical: [...lexical, ...vectorOnly.map((id) => ({ id, score: bottom }))],
    vector: [...vector, ...extra.map((h) => ({ id: h.chunkId, score: h.similarity }))],
  };
}

/** One step of a search (what a search worker runs per message). */
export async function runSearchStep(
  store: Store,
  s: SearchStep,
): Promise<LexicalSide | Scored[] | IndexSearchResult> {
  if (s.step === "lexical") return lexicalCandidates(store, s.request);
  if (s.step === "vector") return vectorCandidates(store, s.request);
  if (s.step === "vector+finish")
    return finishSearch(store, s.request, s.lexical, await vectorCandidates(store, s.request));
  return finishSearch(store, s.request, s.lexical, s.vector);
}

/**
 * The index side of a retrieval, self-contained: FTS5 BM25 with the proximity re-rank,
 * vector KNN, scoring every candidate on both sides, fusion, the relevance judge and the chunk fetch.
 */
export async function searchIndex(store: Store, request: IndexSearch): Promise<IndexSearchResult> {
  return finishSearch(
    store,
    request,
    await lexicalCandidates(store, request.queryVector ? request : { ...request, mode: "lexical" }),
    await vectorCandidates(store, request),
  );
}

/** `lexical` searched again in full when it left the common terms to a vector side that did not come. */
export async function withoutVectorSide(
  search: (request: IndexSearch) => Promise<LexicalSide>,
  request: IndexSearch,
  lexical: LexicalSide,
): Promise<LexicalSide> {
  return lexical.weightedOnly && !request.queryVector ? search({ ...request, mode: "lexical" }) : lexical;
}

/** Where the steps of a search run: in-process (`inProcessSteps`) or in a pool of worker threads. */
export interface SearchSteps {
  lexical(request: IndexSearch, signal?: AbortSignal): Promise<LexicalSide>;
  vector(request: IndexSearch, signal?: AbortSignal): Promise<Scored[]>;
  finish(
    request: IndexSearch,
    lexical: LexicalSide,
    vector: Scored[],
    signal?: AbortSignal,
  ): Promise<IndexSearchResult>;
  /** The vector side and the finish as one step, for when the lexical side is already done. */
  vectorAndFinish(
    request: IndexSearch,
    lexical: LexicalSide,
    signal?: AbortSignal,
  ): Promise<IndexSearchResult>;
}

/** Let pending I/O (the query's embedding request) go out before a synchronous step holds the thread. */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export function inProcessSteps(store: Store): SearchSteps {
  return {
    lexical: async (request) => {
      await yieldToIo();
      return lexicalCandidates(store, request);
    },
    vector: async (request) => vectorCandidates(store, request),
    finish: async (request, lexical, vector) => finishSearch(store, request, lexical, vector),
    vectorAndFinish: async (request, lexical) =>
      finishSearch(store, request, lexical, await vectorCandidates(store, request)),
  };
}
