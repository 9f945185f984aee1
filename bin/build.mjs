#!/usr/bin/env node
// `npm run build`: compiles cli/, src/ and ingest/ to JavaScript in dist/ (tsconfig.build.json), so the
// command line, the service and their threads start without compiling TypeScript at run time (tsx costs
// ~0.25 s per process and again per thread; docs/performance.md, "Eighth session"). bin/grounded.mjs runs
// dist/ only while it is current (bin/compiled.mjs).
//
// `npm ci` and `npm install` run it as "prepare" with --if-possible: without TypeScript (an install that
// omits dev dependencies) or when the compiler fails, it leaves no dist/ and says so, and the command line
// runs the TypeScript through tsx as before.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { STAMP } from "./compiled.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const lenient = process.argv.includes("--if-possible");

function giveUp(reason) {
  fs.rmSync(dist, { recursive: true, force: true });
  const next =
    "`grounded` runs its TypeScript through tsx instead (slower to start); `npm run build` retries.";
  process.stderr.write(`grounded: not compiled: ${reason}. ${next}\n`);
  process.exit(lenient ? 0 : 1);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
} catch {
  giveUp("TypeScript is not installed (dev dependencies omitted)");
}
// No stale files from an earlier build: a module since removed must not stay importable.
fs.rmSync(dist, { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) giveUp(`the TypeScript compiler exited with ${result.status ?? result.signal}`);
fs.writeFileSync(path.join(dist, STAMP), `${new Date().toISOString()}\n`);
process.stdout.write(`grounded: compiled to dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
