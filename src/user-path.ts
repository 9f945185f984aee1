import os from "node:os";
import path from "node:path";

/**
 * The folder the user typed the command in. `npm run` starts scripts in the package root and says where
 * the user was in INIT_CWD, so `cd data && npm run ingest -- samples` means data/samples.
 */
export function userCwd(env: Record<string, string | undefined>, processCwd: string): string {
  const init = env.INIT_CWD?.trim();
  return init ? path.resolve(processCwd, init) : processCwd;
}

/**
 * A path as the user typed it, made absolute: a leading `~` is their home folder (Windows PowerShell 5.1
 * passes `~` through unexpanded, and so does a quoted `"~/docs"` in any shell), anything else relative is
 * read from `cwd`.
 */
export function resolveUserPath(cwd: string, typed: string, home: string = os.homedir()): string {
  if (typed === "~") return home;
  if (typed.startsWith("~/") || typed.startsWith("~\\")) return path.resolve(home, typed.slice(2));
  return path.resolve(cwd, typed);
}
