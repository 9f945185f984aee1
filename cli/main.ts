#!/usr/bin/env -S npx tsx
import { fileURLToPath } from "node:url";
import { asTyped } from "../src/cli-name.js";
import { GroundedError } from "../src/errors.js";
import { assertAddressAllowed } from "../src/server/listen.js";
import { parse } from "./args.js";
import { runEval } from "./commands/eval.js";
import { ingestPaths, runIngest } from "./commands/ingest.js";
import { runPull } from "./commands/pull.js";
import { runAsk, runSearch } from "./commands/query.js";
import { runServe } from "./commands/serve.js";
import { runStatus } from "./commands/status.js";
import { configFor, invocationOf } from "./invocation.js";
import type { Output } from "./progress.js";

const USAGE = `grounded: ask questions of your documents, with citations to file and page.

  grounded ingest <file-or-folder>... [--prune] [--reindex]   index documents (PDF, Markdown, text, HTML, DOCX)
  grounded ingest --watch <folder>...                         index, then keep the index in sync as files change
  grounded serve [--watch <folder>]...                        start the HTTP service and web page (default http://127.0.0.1:8787)
  grounded pull                                               pull the configured models Ollama does not have yet
  grounded ask "<question>" [--k N] [--source PREFIX]         answer from the index, with citations
  grounded search "<query>" [--k N] [--mode hybrid|vector|lexical]
  grounded status [--check]                                   index and Ollama state; --check verifies the index
  grounded eval <set-folder>... [--mode all] [--json]           measure retrieval on a question set
  grounded demo                                               ingest data/samples, then serve

Common flags: --db FILE --ollama-host URL --embed-model NAME --chat-model NAME --host H --port P --json
Settings can also come from the environment (OLLAMA_HOST, GROUNDED_DB, ...): see README.md.
`;

const SAMPLES = fileURLToPath(new URL("../data/samples", import.meta.url));

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
  const [command, ...rest] = argv;
  const inv = invocationOf(env, processCwd);
  const usage = asTyped(USAGE, inv.cli);
  try {
    switch (command) {
      case "ingest":
        return await runIngest(rest, inv, out, err);
      case "serve":
        return await runServe(rest, inv, out, err);
      case "pull":
        return await runPull(rest, inv, out);
      case "ask":
        return await runAsk(rest, inv, out, err);
      case "search":
        return await runSearch(rest, inv, out, err);
      case "status":
        return await runStatus(rest, inv, out);
      case "eval":
        return await runEval(rest, inv, out, err);
      case "demo": {
        const { values } = parse(rest, {}, "demo", inv.cli);
        if (values.help) {
          out.write(
            asTyped(
              "grounded demo [--host H] [--port P] [--db FILE] [--chat-model NAME] [--ollama-host URL]\n",
              inv.cli,
            ),
          );
          return 0;
        }
        const config = configFor(inv, values);
        assertAddressAllowed(config); // refused before the samples are ingested, not after
        const summary = await ingestPaths(config, [SAMPLES], { prune: true }, out, err);
        if (summary.failed > 0) return 1;
        return await runServe(rest, inv, out, err);
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        out.write(usage);
        return command === undefined ? 2 : 0;
      default:
        err.write(`Unknown command "${command}".\n\n${usage}`);
        return 2;
    }
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
