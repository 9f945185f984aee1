import type { ThreadedWriter } from "../../ingest/threaded-writer.js";
import { indexName } from "../../src/index-location.js";
import type { Listening } from "../../src/server/listen.js";
import { VERSION } from "../../src/version.js";
import type { ConfigFlags } from "../args.js";
import { defineCommand } from "../command.js";
import { configFor, type Invocation, userPaths } from "../invocation.js";
import { createProgress, type Output } from "../progress.js";
import { checkWatchRoots, onceEachFailure, startWatches, untilStopped } from "../watching.js";

/** Run the HTTP service until SIGINT/SIGTERM. */
export const serveCommand = defineCommand({
  name: "serve",
  args: "",
  summary: "start the HTTP service and web page (default http://127.0.0.1:8787)",
  flags: {
    watch: {
      type: "string",
      multiple: true,
      value: "FOLDER",
      help: "keep the index in sync with FOLDER while serving",
    },
  },
  common: ["host", "port", "db", "chat-model", "ollama-host"],
  run: ({ values, inv, out, err }) => serve(values, inv, out, err),
});

/** Serve (also what `demo` runs after ingesting the samples). */
export async function serve(
  values: { watch?: string[] | undefined } & ConfigFlags,
  inv: Invocation,
  out: Output,
  err: Output,
): Promise<number> {
  const config = configFor(inv, values);
  const roots = userPaths(inv, values.watch ?? []);
  // Loaded here rather than by every command: the HTTP side is most of the command line's start-up
  // (importing it took ~450 ms of each `grounded ingest`).
  const [{ createApp }, { assertAddressAllowed, listen }, { createService }, { createServerWriter }] =
    await Promise.all([
      import("../../src/server/app.js"),
      import("../../src/server/listen.js"),
      import("../../src/service/service.js"),
      import("../server-writer.js"),
    ]);
  // What can be refused without opening anything is refused first.
  assertAddressAllowed(config);
  checkWatchRoots(roots);
  const runtime = await createService(config, (m) => err.write(`warning: ${m}\n`), {
    searchWorkers: true,
  });
  for (const w of runtime.warnings) err.write(`\n!! ${w}\n\n`);
  let server: Listening;
  let writer: ThreadedWriter;
  try {
    const wired = createServerWriter(runtime, {
      onEvent: onceEachFailure(createProgress({ write: (t) => out.write(t), isTTY: false }).onEvent),
      onMove: (from, to) => out.write(`${"moved".padEnd(8)} ${from} -> ${to}\n`),
      warn: (m) => err.write(`warning: ${m}\n`),
    });
    writer = wired.writer;
    const app = createApp({ ...runtime, version: VERSION, uploads: wired.uploads });
    server = await listen(app, config);
  } catch (e) {
    // Close what was opened (the search workers above all), so the process exits with the error's code.
    await runtime.close();
    throw e;
  }
  const counts = await runtime.store.counts();
  // Listening for SIGINT/SIGTERM before the banner: a supervisor that stops the server as soon as it reads
  // "listening" (stdout to a pipe is written synchronously) must get the clean shutdown, not the default kill.
  const stopped = untilStopped();
  out.write(
    `grounded ${VERSION} listening on ${server.url}\n` +
      `  index: ${indexName(config.db)} (${counts.documents} documents, ${counts.chunks} chunks, embeddings: ${runtime.embedder.model})\n` +
      `  answers: ${answersLine(runtime.chatModel?.model ?? null, config.chatModel, runtime.client.host)}\n` +
      `  try:  curl -s ${server.url}/api/ask -H "Content-Type: application/json" -d '{"question":"How do I descale the kettle?"}'\n`,
  );
  const watches = startWatches(writer, roots, err);
  if (watches.length) out.write(`  watching: ${roots.join(", ")}\n`);
  await stopped;
  for (const w of watches) w.close();
  await server.close();
  await Promise.all(watches.map((w) => w.idle()));
  await writer.close();
  await runtime.close();
  return 0;
}

/** The banner's account of who writes the answers, and why not a model when none does. */
function answersLine(chatModel: string | null, configured: string, ollamaHost: string): string {
  if (chatModel) return `generative, written by ${chatModel} via Ollama at ${ollamaHost}`;
  const extractive = "extractive (the best-matching sentences of the sources, no chat model)";
  if (configured === "none") return `${extractive}: GROUNDED_CHAT_MODEL=none`;
  return `${extractive}: Ollama was not reachable at ${ollamaHost} when grounded started; start it and restart grounded for written answers`;
}
