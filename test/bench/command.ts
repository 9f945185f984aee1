import { execFileSync } from "node:child_process";
import path from "node:path";
import { compiledIsCurrent } from "../../bin/compiled.mjs";

const REPO = path.join(import.meta.dirname, "..", "..");

/**
 * The `grounded` command as a user of a clone runs it (`npm start`, `npm run ingest` run bin/grounded.mjs):
 * the compiled dist/ that `npm ci` builds. Builds it first when a source changed since (as `npm run build`
 * would), so the bench never times the TypeScript fallback by accident; `compiled` says what was timed.
 */
export function groundedCommand(): { argv: string[]; cwd: string; compiled: boolean } {
  if (!compiledIsCurrent(REPO)) {
    process.stderr.write("[bench] dist/ is older than the sources: npm run build\n");
    execFileSync(process.execPath, [path.join(REPO, "bin", "build.mjs")], { cwd: REPO, stdio: "inherit" });
  }
  return { argv: [path.join(REPO, "bin", "grounded.mjs")], cwd: REPO, compiled: compiledIsCurrent(REPO) };
}
