// Whether dist/ (the TypeScript compiled by bin/build.mjs) is current: built, and no source file changed
// since. bin/grounded.mjs runs dist/ when it is, and the TypeScript itself through tsx when it is not, so an
// edited source is never shadowed by its older compiled copy.
import fs from "node:fs";
import path from "node:path";

/** The file the build writes last, when everything else is in place. */
export const STAMP = ".built";

/** The folders compiled into dist/, and the build settings. */
const SOURCES = ["cli", "src", "ingest"];
const SETTINGS = ["tsconfig.json", "tsconfig.build.json"];

/** Newest modification time (ms) of the TypeScript under `dir`, 0 for none. */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (e.name.endsWith(".ts")) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** True when `root`/dist was built after the last change to any compiled source or build setting. */
export function compiledIsCurrent(root) {
  let built;
  try {
    built = fs.statSync(path.join(root, "dist", STAMP)).mtimeMs;
  } catch {
    return false;
  }
  for (const file of SETTINGS) {
    try {
      if (fs.statSync(path.join(root, file)).mtimeMs > built) return false;
    } catch {
      // A setting that does not exist cannot be newer.
    }
  }
  return SOURCES.every((dir) => newestSource(path.join(root, dir)) <= built);
}
