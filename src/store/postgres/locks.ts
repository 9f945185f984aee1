import type { Tx } from "./connection.js";

/**
 * Advisory lock keys (the two-integer form, so grounded's locks cannot meet another program's one-integer
 * ones): the first number says what is locked, the second which one.
 */
export const LOCK_CLASS = {
  /** Schema migrations, the embedding-model record and a reset: (schema, 0). */
  schema: 0x67726e64,
  /** One document path: (path, hashtext(path)). */
  path: 0x67726e65,
} as const;

/**
 * Hold every given path's lock until the transaction ends, taken in one order (sorted by hash) so that two
 * transactions wanting overlapping paths cannot deadlock. A second ingest of a file waits for the first to
 * commit and then replaces its document: it never adds a duplicate.
 */
export async function lockPaths(tx: Tx, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await tx`SELECT pg_advisory_xact_lock(${LOCK_CLASS.path}, h)
           FROM (SELECT DISTINCT hashtext(p) AS h FROM unnest(${paths as string[]}::text[]) AS p ORDER BY 1) AS x`;
}
