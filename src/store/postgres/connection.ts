import postgres from "postgres";
import { IndexUnavailableError } from "../../errors.js";
import { indexName } from "../../index-location.js";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export interface PostgresOptions {
  /** Connections in the pool (default 10): searches and ingest run queries at once. */
  max?: number;
  /** Candidates the HNSW graph search keeps (pgvector's hnsw.ef_search); at least the most a search asks for. */
  efSearch?: number;
}

/**
 * The HNSW candidate list (at least the max(50, 5k) candidates a search asks for). At 100k × 1024 of the
 * bench corpus, recall@10 of a 50-candidate search against an exact scan is 0.73 at 400 and 0.89 at 1,000,
 * for p50 18.7 → 25.5 ms (docs/postgres.md); the exact scan takes 650 ms.
 */
const DEFAULT_EF_SEARCH = 1000;

/**
 * A pool of connections to the index's database. Host, port, user, password and database come from the URL
 * and, where it leaves them out, from the usual PG* variables (PGHOST, PGUSER, PGPASSWORD, …), as libpq reads
 * them. Connections are opened lazily; `connectPostgres` checks that the server answers.
 */
function postgresPool(url: string, options: PostgresOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    idle_timeout: 60,
    connect_timeout: 10,
    // Set at connection start: every vector search needs it, and a SET per query would cost a round trip.
    // JIT off: grounded's queries are short, and compiling the BM25 query cost 0.7 s a search (measured).
    connection: {
      application_name: "grounded",
      "hnsw.ef_search": options.efSearch ?? DEFAULT_EF_SEARCH,
      jit: "off",
    },
    // int8 (count(*), sums) as JavaScript numbers: counts of chunks and tokens stay far below 2^53.
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
}

/** Failures that mean the server cannot be reached or is going away (not a problem with one query). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "53300", // too many connections
  "57P01", // admin shutdown
  "57P02", // crash shutdown
  "57P03", // cannot connect now (starting up)
]);

/** A lost or refused connection as the error users see (503 index_unavailable); other errors as they are. */
export function connectionError(url: string, error: unknown): unknown {
  const code = String((error as { code?: unknown })?.code ?? "");
  if (!CONNECTION_CODES.has(code) && !code.startsWith("08")) return error;
  return new IndexUnavailableError(
    `The PostgreSQL index ${indexName(url)} cannot be reached (${(error as Error).message}). Check that the server is running and reachable; grounded reconnects by itself once it is.`,
    error,
  );
}

/** The pool, once the server has answered; a refused or failed connection says what to check. */
export async function connectPostgres(url: string, options: PostgresOptions = {}): Promise<Sql> {
  const sql = postgresPool(url, options);
  try {
    await sql`SELECT 1`;
  } catch (cause) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new IndexUnavailableError(
      `Cannot connect to the PostgreSQL index ${indexName(url)}: ${(cause as Error).message}. Check that the server is running and the URL (GROUNDED_DB / --db, or the PG* variables) names the right host, port, user, password and database.`,
      cause,
    );
  }
  return sql;
}
