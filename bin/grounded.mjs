#!/usr/bin/env node
// The `grounded` command: of an installed package (npm install -g, npx) and of a clone (`npm run grounded`,
// `npm start`, `npm run demo` run this file). It runs the JavaScript in dist/ when that is current (built by
// `npm ci` / `npm run build` after the last change to the sources: bin/compiled.mjs), and otherwise the
// TypeScript itself through tsx, a dependency, registered here so the command needs neither npx nor a
// network connection and works through npm's symlink or Windows .cmd shim.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compiledIsCurrent } from "./compiled.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let main;
if (compiledIsCurrent(root)) {
  process.setSourceMapsEnabled(true); // stack traces name the TypeScript lines, not dist/'s
  main = await import(pathToFileURL(path.join(root, "dist", "cli", "main.js")).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  main = await import("../cli/main.ts");
}
main.runFromProcess();
