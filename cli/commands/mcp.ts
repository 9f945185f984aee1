import { indexName } from "../../src/index-location.js";
import { VERSION } from "../../src/version.js";
import type { ConfigFlags } from "../args.js";
import { defineCommand } from "../command.js";
import { configFor, type Invocation } from "../invocation.js";
import type { Output } from "../progress.js";
import { untilStopped } from "../watching.js";

/** `grounded mcp`: the index as an MCP server on stdin/stdout, for a client that starts grounded itself. */
export const mcpCommand = defineCommand({
  name: "mcp",
  args: "",
  summary: "serve the index to an MCP client (desktop assistant, IDE agent) over stdin/stdout",
  flags: {},
  common: ["db", "chat-model", "ollama-host"],
  run: ({ values, inv, err }) => runMcp(values, inv, err),
});

/** console.log and its kin write to stdout, which belongs to the protocol here: they go to stderr instead. */
function consoleToStderr(): () => void {
  const saved = { log: console.log, info: console.info, debug: console.debug };
  console.log = console.info = console.debug = console.error;
  return () => Object.assign(console, saved);
}

async function runMcp(values: ConfigFlags, inv: Invocation, err: Output): Promise<number> {
  // Loaded when serving MCP, not by every command (see serve.ts).
  const [{ serveMcpOverStdio }, { createService }] = await Promise.all([
    import("../../src/mcp/stdio.js"),
    import("../../src/service/service.js"),
  ]);
  const restore = consoleToStderr();
  try {
    const config = configFor(inv, values);
    const runtime = await createService(config, (m) => err.write(`warning: ${m}\n`));
    try {
      for (const w of runtime.warnings) err.write(`note: ${w}\n`);
      const counts = await runtime.store.counts();
      err.write(
        `grounded ${VERSION}: MCP on stdin/stdout, index ${indexName(config.db)} (${counts.documents} documents), answers ${runtime.answerer.mode}\n`,
      );
      // A client launches grounded from a folder of its choosing, where a relative or default index may not be.
      if (counts.documents === 0)
        err.write(
          `warning: the index ${indexName(config.db)} holds no documents: give the index with --db <file> (an absolute path), or run \`${inv.cli} ingest <folder>\`.\n`,
        );
      await serveMcpOverStdio({ ...runtime, version: VERSION }, untilStopped());
      return 0;
    } finally {
      await runtime.close();
    }
  } finally {
    restore();
  }
}
