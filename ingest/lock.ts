import fs from "node:fs";
import { IndexLockedError } from "../src/errors.js";
import { isPostgresUrl } from "../src/index-location.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One writer at a time on a SQLite index: ingest holds `<index>.lock` (holding its pid) for the whole run. A second ingest
 * refuses with a clear message; a lock left by a process that died (kill -9) is taken over.
 */
export function acquireIngestLock(dbFile: string): () => void {
  // A PostgreSQL index takes any number of writers: each document is replaced in a transaction under its
  // path's advisory lock (src/store/postgres/locks.ts), so there is no file to hold.
  if (isPostgresUrl(dbFile)) return () => {};
  const lockFile = `${dbFile}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.readFileSync(lockFile, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid))
        throw new IndexLockedError(lockFile, pid);
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new IndexLockedError(lockFile, 0);
}
