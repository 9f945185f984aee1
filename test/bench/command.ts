import path from "node:path";
import { ensureCompiled } from "../helpers/grounded-process.js";

const REPO = path.join(import.meta.dirname, "..", "..");

/**
 * The `grounded` command as a user of a clone runs it (`npm start`, `npm run ingest` run bin/grounded.mjs):
 * the compiled dist/ that `npm ci` builds. Builds it first when a source changed since (as `npm run build`
 * would), so the bench never times the TypeScript fallback by accident; `compiled` says what was timed.
 */
export function groundedCommand(): { argv: string[]; cwd: string; compiled: boolean } {
  const compiled = ensureCompiled();
  return { argv: [path.join(REPO, "bin", "grounded.mjs")], cwd: REPO, compiled };
}
