import { randomBytes } from "node:crypto";
import postgres from "postgres";

/**
 * The PostgreSQL server the PostgreSQL backend's tests use: GROUNDED_TEST_PG, a URL whose role may create
 * databases (`bash .ci/run` sets one up with pgvector, .ci/postgres.sh). Null when it is not set or the
 * server does not answer; then those tests skip, and this says why once.
 */
export const testPostgres: string | null = await reachableServer(process.env.GROUNDED_TEST_PG);

/** `describe.skipIf(noPostgres)`: the suites that need a PostgreSQL server. */
export const noPostgres = testPostgres === null;

async function reachableServer(url: string | undefined): Promise<string | null> {
  if (!url) {
    console.warn(
      "PostgreSQL tests skip: GROUNDED_TEST_PG is not set (bash .ci/run sets up a server with pgvector; or set it to postgres://user:pass@host/db of a role that may create databases)",
    );
    return null;
  }
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return url;
  } catch (error) {
    if (process.env.CI) throw new Error(`GROUNDED_TEST_PG is set but the server does not answer: ${error}`);
    console.warn(`PostgreSQL tests skip: the server of GROUNDED_TEST_PG does not answer (${error})`);
    return null;
  } finally {
    await sql.end();
  }
}

export interface TestDatabase {
  /** A URL of a new, empty database with the vector extension. */
  url: string;
  /** Drop the database (closing any connection still open to it). */
  drop(): Promise<void>;
}

/** A fresh database on the test server, for one suite or one test: nothing is shared between them. */
export async function freshDatabase(options: { vector?: boolean } = {}): Promise<TestDatabase> {
  if (!testPostgres) throw new Error("no PostgreSQL server for tests (GROUNDED_TEST_PG)");
  const name = `grounded_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(testPostgres, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testPostgres);
  url.pathname = `/${name}`;
  if (options.vector ?? true) {
    const db = postgres(url.href, { max: 1, onnotice: () => {} });
    try {
      await db`CREATE EXTENSION IF NOT EXISTS vector`;
    } finally {
      await db.end();
    }
  }
  return {
    url: url.href,
    async drop() {
      const sql = postgres(testPostgres, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await sql.end();
      }
    },
  };
}
