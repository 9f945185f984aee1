import { isPostgresUrl } from "../index-location.js";
import { checkIndex } from "./check.js";
import type { PgStore } from "./postgres/pg-store.js";
import { type OpenStoreOptions, openStore, type SqliteStore, type Store } from "./store.js";

/**
 * The index GROUNDED_DB / --db names: a PostgreSQL database for a `postgres://` or `postgresql://` URL,
 * otherwise a SQLite file. Everything above the store (retrieval, ingest, the service, the CLI) sees only
 * `Store`, so both backends share fusion, passages, calibration and the rest.
 */
export async function openIndex(location: string, options: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    // Loaded only for a database: a SQLite index never loads the PostgreSQL driver (every command starts
    // sooner; each module costs a round trip to tsx's loader thread).
    const { openPgStore } = await import("./postgres/pg-store.js");
    return openPgStore(location, { exactSearch: options.exactSearch ?? false });
  }
  return openStore(location, options);
}

const isSqlite = (store: Store): store is SqliteStore => "db" in store;
const isPostgres = (store: Store): store is PgStore => "sql" in store;

/** `status --check`: the invariants of either kind of index (one line per violation, [] when consistent). */
export async function checkStore(store: Store): Promise<string[]> {
  if (isSqlite(store)) return checkIndex(store.db);
  if (isPostgres(store)) return (await import("./postgres/check.js")).checkPgIndex(store.sql);
  return [];
}
