import type { Database as Db, Statement } from "better-sqlite3";

type Mode = "rows" | "pluck" | "raw";

const caches = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement for `sql` on `db`, prepared once per connection and mode. Preparing costs ~20–60 µs
 * (more for statements on vec0 and FTS5 tables), and a search or the ingest of a small file ran a dozen
 * of them each time. A cached statement survives schema changes (SQLite prepares it again when a table it
 * reads was dropped and made anew, as `reset` does), and every user runs it to completion (`get`, `all`,
 * or an `iterate` loop that ends before the statement is used again).
 */
export function statement(db: Db, sql: string, mode: Mode = "rows"): Statement {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const key = `${mode}\u0000${sql}`;
  let stmt = cache.get(key);
  if (!stmt) {
    stmt = db.prepare(sql);
    if (mode === "pluck") stmt.pluck();
    else if (mode === "raw") stmt.raw();
    cache.set(key, stmt);
  }
  return stmt;
}
