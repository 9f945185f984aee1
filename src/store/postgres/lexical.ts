import type { Sql } from "./connection.js";

/**
 * The full-text side of a PostgreSQL index: the same query strings as SQLite's FTS5 (built by
 * src/text/fts-query.ts: quoted terms and two-word phrases joined by OR), matched against the chunks'
 * `tsvector` through its GIN index and ranked by BM25 computed in the database, with FTS5's constants and
 * formula (k1 = 1.2, b = 0.75, IDF = ln((N − n + 0.5) / (n + 0.5)), at least 1e-6), so fusion sees the
 * same scale on both backends. `ts_rank_cd` is not used: it has no IDF, so a rare term weighs no more than
 * "the".
 *
 * Document frequencies of single terms come from `term_df` (exact, one index lookup); those of phrases are
 * counted. N and the mean length come from `index_stats`. Term frequencies are the lengths of the matched
 * lexemes' position lists in each candidate's tsvector; a phrase's is the number of positions where its
 * second word follows its first.
 */

/** The terms of an FTS5 OR-query of string literals (`"a" OR "b c"`), unquoted; [] for none. */
export function matchTerms(match: string): string[] {
  const terms: string[] = [];
  for (const m of match.matchAll(/"((?:[^"]|"")*)"/g)) {
    const term = (m[1] ?? "").replaceAll('""', '"').trim();
    if (term !== "") terms.push(term);
  }
  return terms;
}

/**
 * Each term with its tsquery and its first two lexemes (a phrase of more words is scored by its first two).
 * Written as SQL so that stemming happens where the chunks were stemmed, with the same configuration.
 */
const parts = (sql: Sql, terms: string[]) => sql`
  SELECT u.i, phraseto_tsquery('grounded', u.t) AS q, l.a, l.b
  FROM unnest(${terms}::text[]) WITH ORDINALITY AS u(t, i),
  LATERAL (SELECT (tsvector_to_array(to_tsvector('grounded', split_part(u.t, ' ', 1))))[1] AS a,
                  CASE WHEN strpos(u.t, ' ') > 0
                    THEN (tsvector_to_array(to_tsvector('grounded', split_part(u.t, ' ', 2))))[1] END AS b) AS l
  WHERE l.a IS NOT NULL`;

export interface LexicalHit {
  chunkId: number;
  score: number;
}

/** BM25's k1 + 1: no term adds more than its IDF times this to a row's score, whatever its frequency. */
const MAX_TF_FACTOR = 1.2 + 1;

/** One term of a query: its first two lexemes, its tsquery (as text) and its weight. */
interface WeightedTerm {
  a: string;
  b: string | null;
  q: string;
  df: number;
  idf: number;
}

/**
 * The k best chunks for an FTS5-style OR-query by BM25 (higher is better), optionally among `allowed`.
 *
 * Exact, but without reading every matching row (a Chinese question's unigrams each match a fifth of a large
 * index). The query's terms are split, rarest first, into the "essential" ones and the rest (MaxScore):
 * only rows holding an essential term are read and scored (on all terms). A row holding none of them scores
 * at most the sum of the other terms' bounds (IDF × (k1 + 1) each); when that sum is below the k-th best
 * score found, no such row can enter the top k and the answer is the one scoring every matching row would
 * give. Otherwise the k-th score found is a floor for the final one, so one more pass with just enough
 * essential terms is exact. A query needs one pass (usually), two, or at worst every matching row, as before.
 * `everyRow` scores every matching row at once (what this did before; tests and the bench compare the two).
 */
export async function bm25Search(
  sql: Sql,
  match: string,
  k: number,
  allowed?: number[],
  { everyRow = false } = {},
): Promise<LexicalHit[]> {
  const terms = matchTerms(match);
  if (terms.length === 0 || k <= 0 || allowed?.length === 0) return [];
  const weights = await sql<(WeightedTerm & { n: number; avgdl: number })[]>`
    WITH part AS MATERIALIZED (${parts(sql, terms)}),
    stats AS MATERIALIZED (
      SELECT chunks::float8 AS n, term_tokens::float8 / greatest(chunks, 1) AS avgdl FROM index_stats LIMIT 1)
    SELECT p.a, p.b, p.q::text AS q, d.df::float8 AS df, s.n, s.avgdl,
      greatest(ln((s.n - d.df + 0.5) / (d.df + 0.5)), 1e-6) AS idf
    FROM part p CROSS JOIN stats s,
    LATERAL (SELECT CASE WHEN p.b IS NULL
                      THEN coalesce((SELECT df FROM term_df WHERE term = p.a), 0)
                      ELSE (SELECT count(*) FROM chunks WHERE terms @@ p.q) END AS df) AS d
    ORDER BY p.i`;
  if (!weights.some((w) => w.q !== "")) return [];
  const avgdl = weights[0]?.avgdl ?? 1;
  const plan = essentialTerms(weights, k, weights[0]?.n ?? 0);
  if (everyRow) plan.first = weights.length;
  const score = (n: number) => scoreRows(sql, weights, plan.order.slice(0, n), avgdl, k, allowed);
  let hits = await score(plan.first);
  if (plan.first < weights.length) {
    // Fewer than k rows hold an essential term: the others may enter the top k whatever they score.
    const needed = hits.length < k ? weights.length : plan.needed((hits[k - 1] as LexicalHit).score);
    if (needed > plan.first) hits = await score(needed);
  }
  return hits;
}

/** A lexeme as tsquery input: quoted, with quotes doubled and backslashes escaped. */
const quoted = (lexeme: string) => `'${lexeme.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;

/**
 * BM25 on every term of `weights` for the rows that match the query and hold the first lexeme of an
 * essential term (all of them: every matching row, as FTS5 scores).
 */
async function scoreRows(
  sql: Sql,
  weights: readonly WeightedTerm[],
  essential: readonly number[],
  avgdl: number,
  k: number,
  allowed: number[] | undefined,
): Promise<LexicalHit[]> {
  const any = weights
    .filter((w) => w.q !== "")
    .map((w) => `(${w.q})`)
    .join(" | ");
  const holding = essential.length < weights.length;
  const candidates = holding
    ? `(${[...new Set(essential.map((i) => (weights[i] as WeightedTerm).a))].map(quoted).join(" | ")}) & (${any})`
    : any;
  const rows = await sql<{ id: number; score: number }[]>`
    WITH weighted AS MATERIALIZED (
      SELECT * FROM unnest(${weights.map((w) => w.a)}::text[], ${weights.map((w) => w.b ?? "")}::text[],
                           ${weights.map((w) => w.idf)}::float8[]) AS w(a, b, idf)),
    cand AS (
      SELECT c.id, c.terms, c.term_count FROM chunks c
      WHERE c.terms @@ ${candidates}::tsquery
      ${allowed ? sql`AND c.id = ANY(${allowed}::int[])` : sql``}
    ),
    wanted AS MATERIALIZED (
      SELECT array_agg(DISTINCT x) AS lexemes FROM (SELECT a FROM weighted UNION ALL SELECT b FROM weighted) AS w(x)
      WHERE x <> ''),
    pos AS (
      -- Only the query's lexemes, cut out in C (weight A on them, then keep weight A) before unnesting:
      -- unnesting whole tsvectors (hundreds of lexemes each) cost most of a search.
      SELECT c.id, c.term_count, u.lexeme, u.positions
      FROM cand c, wanted w, unnest(ts_filter(setweight(c.terms, 'A', w.lexemes), '{a}')) AS u
    ),
    hits AS (
      SELECT pa.id, pa.term_count, w.idf,
        CASE WHEN w.b = '' THEN cardinality(pa.positions)
             ELSE (SELECT count(*) FROM unnest(pa.positions) AS x WHERE x + 1 = ANY(pb.positions)) END AS f
      FROM weighted w JOIN pos pa ON pa.lexeme = w.a
      LEFT JOIN pos pb ON pb.id = pa.id AND pb.lexeme = w.b
      WHERE w.b = '' OR pb.id IS NOT NULL
    )
    SELECT h.id, sum(h.idf * h.f * (1.2 + 1) / (h.f + 1.2 * (1 - 0.75 + 0.75 * h.term_count / ${avgdl}::float8))) AS score
    FROM hits h WHERE h.f > 0
    GROUP BY h.id ORDER BY score DESC, h.id LIMIT ${k}`;
  return rows.map((r) => ({ chunkId: r.id, score: r.score }));
}

/**
 * The MaxScore split of `weights` (in query order): `order` lists them rarest first; `first` is how many
 * of those to read on a first pass (the rarest, until they match about `budget` rows, at least one), and
 * `needed(floor)` how many must be essential so that the rest's bounds sum below `floor` (a k-th score).
 */
export function essentialTerms(
  weights: readonly { df: number; idf: number }[],
  k: number,
  chunks: number,
): { order: number[]; first: number; needed: (floor: number) => number } {
  const order = weights
    .map((_, i) => i)
    .sort((x, y) => (weights[x]?.df ?? 0) - (weights[y]?.df ?? 0) || x - y);
  const budget = Math.max(50 * k, chunks / 50);
  let first = 0;
  let rows = 0;
  while (first < order.length && (first === 0 || rows + (weights[order[first] ?? 0]?.df ?? 0) <= budget)) {
    rows += weights[order[first] ?? 0]?.df ?? 0;
    first++;
  }
  const needed = (floor: number): number => {
    // The commonest terms stay out while their bounds, summed (with room for rounding), stay below the floor.
    let rest = 0;
    let n = order.length;
    while (n > 0) {
      const bound = (weights[order[n - 1] ?? 0]?.idf ?? 0) * MAX_TF_FACTOR;
      if ((rest + bound) * (1 + 1e-9) >= floor) break;
      rest += bound;
      n--;
    }
    return n;
  };
  return { order, first, needed };
}

/** How many chunks match an FTS5-style OR-query, counting at most `cap` (a single term: from term_df). */
export async function countMatching(sql: Sql, match: string, cap: number): Promise<number> {
  const terms = matchTerms(match);
  if (terms.length === 0) return 0;
  if (terms.length === 1 && !(terms[0] as string).includes(" "))
    return Math.min(cap, (await termFrequencies(sql, terms, cap)).get(terms[0] as string) ?? 0);
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM chunks WHERE terms @@ (SELECT string_agg(q::text, ' | ')::tsquery FROM (${parts(sql, terms)}) p
                                           WHERE q::text <> '')
      LIMIT ${cap}) AS x`;
  return row?.n ?? 0;
}

/** For each single term (unquoted), which of `ids` hold it: one query for many terms. */
export async function idsHoldingTerms(
  sql: Sql,
  terms: string[],
  ids: number[],
): Promise<Map<string, Set<number>>> {
  const found = new Map<string, Set<number>>(terms.map((t) => [t, new Set<number>()]));
  if (terms.length === 0 || ids.length === 0) return found;
  const rows = await sql<{ t: string; id: number }[]>`
    SELECT u.t, c.id FROM unnest(${terms}::text[]) AS u(t)
    JOIN chunks c ON c.id = ANY(${ids}::int[]) AND c.terms @@ phraseto_tsquery('grounded', u.t)`;
  for (const r of rows) found.get(r.t)?.add(r.id);
  return found;
}

/** Which of `ids` match an FTS5-style OR-query. */
export async function matchingIds(sql: Sql, match: string, ids: number[]): Promise<Set<number>> {
  const terms = matchTerms(match);
  if (terms.length === 0 || ids.length === 0) return new Set();
  const rows = await sql<{ id: number }[]>`
    SELECT id FROM chunks WHERE id = ANY(${ids}::int[])
    AND terms @@ (SELECT string_agg(q::text, ' | ')::tsquery FROM (${parts(sql, terms)}) p WHERE q::text <> '')`;
  return new Set(rows.map((r) => r.id));
}

/**
 * Document frequency of each term (unquoted; a phrase counted up to `cap`), in one round trip. A term that
 * stems to nothing has frequency 0.
 */
export async function termFrequencies(sql: Sql, terms: string[], cap: number): Promise<Map<string, number>> {
  if (terms.length === 0) return new Map();
  const rows = await sql<{ t: string; df: number }[]>`
    SELECT u.t, CASE WHEN l.b IS NULL THEN coalesce((SELECT df FROM term_df WHERE term = l.a), 0)
                ELSE (SELECT count(*)::int FROM (SELECT 1 FROM chunks WHERE terms @@ l.q LIMIT ${cap}) AS x) END AS df
    FROM unnest(${terms}::text[]) AS u(t)
    LEFT JOIN LATERAL (
      SELECT phraseto_tsquery('grounded', u.t) AS q,
             (tsvector_to_array(to_tsvector('grounded', split_part(u.t, ' ', 1))))[1] AS a,
             CASE WHEN strpos(u.t, ' ') > 0 THEN 1 END AS b) AS l ON true`;
  return new Map(rows.map((r) => [r.t, r.df]));
}
