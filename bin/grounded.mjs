#!/usr/bin/env node
// The `grounded` command of an installed package (npm install -g, npx). The CLI is TypeScript, run through
// tsx, which is a dependency: a plain .mjs registers tsx's hooks before loading it, so the command needs
// neither npx nor a network connection, and works through npm's symlink or Windows .cmd shim.
import { register } from "tsx/esm/api";

register();
const { runFromProcess } = await import("../cli/main.ts");
runFromProcess();
