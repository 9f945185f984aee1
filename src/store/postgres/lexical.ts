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

/** The k best chunks for an FTS5-style OR-query by BM25 (higher is better), optionally among `allowed`. */
export async function bm25Search(
  sql: Sql,
  match: string,
  k: number,
  allowed?: number[],
): Promise<LexicalHit[]> {
  const terms = matchTerms(match);
  if (terms.length === 0 || k <= 0 || allowed?.length === 0) return [];
  const rows = await sql<{ id: number; score: number }[]>`
    WITH part AS MATERIALIZED (${parts(sql, terms)}),
    stats AS MATERIALIZED (
      SELECT chunks::float8 AS n, term_tokens::float8 / greatest(chunks, 1) AS avgdl FROM index_stats LIMIT 1),
    weighted AS MATERIALIZED (
      SELECT p.a, p.b, greatest(ln((s.n - d.df + 0.5) / (d.df + 0.5)), 1e-6) AS idf
      FROM part p CROSS JOIN stats s,
      LATERAL (SELECT CASE WHEN p.b IS NULL
                        THEN coalesce((SELECT df FROM term_df WHERE term = p.a), 0)
                        ELSE (SELECT count(*) FROM chunks WHERE terms @@ p.q) END AS df) AS d
    ),
    cand AS (
      SELECT c.id, c.terms, c.term_count FROM chunks c
      WHERE c.terms @@ (SELECT string_agg(q::text, ' | ')::tsquery FROM part WHERE q::text <> '')
      ${allowed ? sql`AND c.id = ANY(${allowed}::int[])` : sql``}
    ),
    wanted AS MATERIALIZED (
      SELECT array_agg(DISTINCT x) AS lexemes FROM (SELECT a FROM part UNION ALL SELECT b FROM part) AS w(x)
      WHERE x IS NOT NULL),
    pos AS (
      -- Only the query's lexemes, cut out in C (weight A on them, then keep weight A) before unnesting:
      -- unnesting whole tsvectors (hundreds of lexemes each) cost most of a search.
      SELECT c.id, c.term_count, u.lexeme, u.positions
      FROM cand c, wanted w, unnest(ts_filter(setweight(c.terms, 'A', w.lexemes), '{a}')) AS u
    ),
    hits AS (
      SELECT pa.id, pa.term_count, w.idf,
        CASE WHEN w.b IS NULL THEN cardinality(pa.positions)
             ELSE (SELECT count(*) FROM unnest(pa.positions) AS x WHERE x + 1 = ANY(pb.positions)) END AS f
      FROM weighted w JOIN pos pa ON pa.lexeme = w.a
      LEFT JOIN pos pb ON pb.id = pa.id AND pb.lexeme = w.b
      WHERE w.b IS NULL OR pb.id IS NOT NULL
    )
    SELECT h.id, sum(h.idf * h.f * (1.2 + 1) / (h.f + 1.2 * (1 - 0.75 + 0.75 * h.term_count / s.avgdl))) AS score
    FROM hits h CROSS JOIN stats s WHERE h.f > 0
    GROUP BY h.id ORDER BY score DESC, h.id LIMIT ${k}`;
  return rows.map((r) => ({ chunkId: r.id, score: r.score }));
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
