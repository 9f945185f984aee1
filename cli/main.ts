#!/usr/bin/env -S npx tsx
import { fileURLToPath } from "node:url";
import { GroundedError } from "../src/errors.js";
import { VERSION } from "../src/version.js";
import { type Command, overview, runCommand } from "./command.js";
import { demoCommand } from "./commands/demo.js";
import { evalCommand } from "./commands/eval.js";
import { ingestCommand } from "./commands/ingest.js";
import { mcpCommand } from "./commands/mcp.js";
import { migrateCommand } from "./commands/migrate.js";
import { pullCommand } from "./commands/pull.js";
import { askCommand, searchCommand } from "./commands/query.js";
import { serveCommand } from "./commands/serve.js";
import { statusCommand } from "./commands/status.js";
import { invocationOf } from "./invocation.js";
import type { Output } from "./progress.js";

/** Every command, in the order `grounded --help` lists them. */
export const COMMANDS: readonly Command[] = [
  ingestCommand,
  serveCommand,
  mcpCommand,
  pullCommand,
  askCommand,
  searchCommand,
  statusCommand,
  migrateCommand,
  evalCommand,
  demoCommand,
];

function output(stream: NodeJS.WriteStream): Output {
  return { write: (t) => void stream.write(t), isTTY: Boolean(stream.isTTY) };
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  out: Output,
  err: Output,
  processCwd: string = process.cwd(),
): Promise<number> {
  const [name, ...rest] = argv;
  const inv = invocationOf(env, processCwd);
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    out.write(overview(COMMANDS, inv.cli));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    out.write(`grounded ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    err.write(`Unknown command "${name}".\n\n${overview(COMMANDS, inv.cli)}`);
    return 2;
  }
  try {
    return await runCommand(command, rest, inv, out, err);
  } catch (e) {
    if (e instanceof GroundedError) {
      err.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    err.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

/** Run the command line of this process: `npm run grounded`, `tsx cli/main.ts`, bin/grounded.mjs. */
export function runFromProcess(): void {
  main(process.argv.slice(2), process.env, output(process.stdout), output(process.stderr)).then((code) => {
    process.exitCode = code;
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runFromProcess();
