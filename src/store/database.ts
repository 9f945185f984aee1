import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { IndexUnavailableError } from "../errors.js";
import { migrate } from "./migrations.js";

export type Db = Database.Database;

/** Open (creating if needed) the index file with sqlite-vec loaded, WAL on, and migrations applied. */
export function openDatabase(
  file: string,
  options: { readonly?: boolean; onUpgrade?: (message: string) => void } = {},
): Db {
  if (!options.readonly) fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (cause) {
    throw new IndexUnavailableError(
      `Cannot open the index ${file}: ${(cause as Error).message}. Check the path (GROUNDED_DB / --db) and its permissions.`,
      cause,
    );
  }
  sqliteVec.load(db);
  db.pragma("busy_timeout = 10000");
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
  }
  db.pragma("foreign_keys = ON");
  try {
    if (!options.readonly) migrate(db, options.onUpgrade);
  } catch (cause) {
    db.close();
    throw new IndexUnavailableError(`Cannot prepare the index ${file}: ${(cause as Error).message}`, cause);
  }
  return db;
}
