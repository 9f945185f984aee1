/**
 * Where an index lives, as GROUNDED_DB / --db gives it: a SQLite file (a path), or a PostgreSQL database (a
 * `postgres://` or `postgresql://` URL; parts it leaves out come from the PG* variables, as libpq reads them).
 */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** The index's name for messages and logs: the file, or the URL without its password. */
export function indexName(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const u = new URL(location);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return location.replace(/:[^:@/]*@/, ":***@");
  }
}
