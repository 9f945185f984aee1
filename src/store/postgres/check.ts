import type { Sql } from "./connection.js";

/**
 * Invariants of a PostgreSQL index (`grounded status --check`), as src/store/check.ts checks a SQLite one:
 * each returns a problem description, or nothing. BM25 reads `term_df` and `index_stats` instead of counting,
 * so they must agree with the chunks themselves. Reads the whole index once; meant for a check, not a search.
 */
export async function checkPgIndex(sql: Sql): Promise<string[]> {
  const problems: string[] = [];
  const one = async (query: Promise<{ n: number }[]>, problem: (n: number) => string) => {
    const n = (await query)[0]?.n ?? 0;
    if (n > 0) problems.push(problem(n));
  };
  const [vectors] = await sql<{ has: boolean }[]>`SELECT to_regclass('chunk_vectors') IS NOT NULL AS has`;
  if (vectors?.has) {
    await one(
      sql`SELECT count(*)::int AS n FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.chunk_id = c.id)`,
      (n) => `${n} chunks have no vector`,
    );
  } else {
    await one(sql`SELECT count(*)::int AS n FROM chunks`, (n) => `${n} chunks but no vector table`);
  }
  await one(
    sql`SELECT count(*)::int AS n FROM documents d
        WHERE chunk_count <> (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)`,
    (n) => `${n} documents' chunk_count differs from their chunks`,
  );
  await one(
    sql`SELECT count(*)::int AS n FROM index_stats s
        WHERE s.chunks <> (SELECT count(*) FROM chunks)
           OR s.term_tokens <> (SELECT coalesce(sum(term_count), 0) FROM chunks)`,
    () => "index_stats (chunk count and length BM25 reads) differs from the chunks",
  );
  await one(
    sql`SELECT count(*)::int AS n FROM term_df t FULL JOIN (
          SELECT lexeme, count(*)::int AS df FROM chunks, unnest(tsvector_to_array(terms)) AS lexeme GROUP BY lexeme) r
        ON r.lexeme = t.term WHERE coalesce(t.df, 0) <> coalesce(r.df, 0)`,
    (n) => `${n} terms' document frequencies (term_df) differ from the chunks`,
  );
  return problems;
}
