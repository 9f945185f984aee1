import type { AskEvent } from "../../src/answer/answerer.js";
import { sourceLabel } from "../../src/answer/prompt.js";
import { asTyped } from "../../src/cli-name.js";
import { ValidationError } from "../../src/errors.js";
import type { RetrievalMode } from "../../src/retrieval/types.js";
import { createService } from "../../src/service/service.js";
import { parse } from "../args.js";
import { configFor, type Invocation } from "../invocation.js";
import type { Output } from "../progress.js";

const ASK_USAGE =
  'grounded ask "<question>" [--k N] [--source PREFIX] [--json] [--db FILE] [--chat-model NAME] [--ollama-host URL]';
const SEARCH_USAGE =
  'grounded search "<query>" [--k N] [--mode hybrid|vector|lexical] [--source PREFIX] [--json] [--db FILE] [--ollama-host URL]';

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new ValidationError(`${name} ${raw} must be a whole number from 1 to 100.`);
  return n;
}

/** `grounded ask "<question>"`: streams the answer to the terminal, then lists the cited sources. */
export async function runAsk(argv: string[], inv: Invocation, out: Output, err: Output): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { k: { type: "string" }, source: { type: "string" } },
    "ask",
    inv.cli,
  );
  if (values.help) {
    out.write(`${asTyped(ASK_USAGE, inv.cli)}\n`);
    return 0;
  }
  const question = positionals.join(" ").trim();
  if (!question) throw new ValidationError(`Ask a question: ${inv.cli} ask "How do I descale the kettle?"`);
  const runtime = await createService(configFor(inv, values), (m) => err.write(`warning: ${m}\n`));
  try {
    for (const w of runtime.warnings) err.write(`note: ${w}\n`);
    let done: Extract<AskEvent, { type: "done" }> | undefined;
    const request = {
      question,
      k: positiveInt(values.k, 6, "--k"),
      history: [],
      filter: { source: values.source },
    };
    for await (const e of runtime.answerer.ask(request)) {
      if (e.type === "delta" && !values.json) out.write(e.content);
      if (e.type === "done") done = e;
    }
    if (!done) return 1;
    if (values.json) {
      const { type: _t, ...result } = done;
      out.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      out.write("\n");
      if (done.citations.length)
        out.write(`\nSources:\n${done.citations.map((c) => `  [${c.n}] ${sourceLabel(c)}`).join("\n")}\n`);
    }
    return 0;
  } finally {
    runtime.close();
  }
}

/** `grounded search "<query>"`: retrieval only, no chat model. */
export async function runSearch(argv: string[], inv: Invocation, out: Output, err: Output): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { k: { type: "string" }, source: { type: "string" }, mode: { type: "string" } },
    "search",
    inv.cli,
  );
  if (values.help) {
    out.write(`${asTyped(SEARCH_USAGE, inv.cli)}\n`);
    return 0;
  }
  const query = positionals.join(" ").trim();
  if (!query) throw new ValidationError(`Give a search query: ${inv.cli} search "descaling"`);
  const mode = (values.mode ?? "hybrid") as RetrievalMode;
  if (!["hybrid", "vector", "lexical"].includes(mode))
    throw new ValidationError("--mode must be hybrid, vector or lexical.");
  const runtime = await createService(configFor(inv, values));
  try {
    for (const w of runtime.warnings) err.write(`note: ${w}\n`);
    const r = await runtime.retriever.retrieve(query, {
      k: positiveInt(values.k, 10, "--k"),
      mode,
      filter: { source: values.source },
    });
    if (values.json) {
      out.write(`${JSON.stringify({ results: r.results, relevant: r.relevant }, null, 2)}\n`);
      return 0;
    }
    if (r.results.length === 0) out.write("No results.\n");
    r.results.forEach((c, i) => {
      const snippet = c.text.replace(/\s+/g, " ").slice(0, 160);
      out.write(
        `${i + 1}. ${sourceLabel(c)}  (score ${c.score.toFixed(3)}, chunk ${c.chunkId})\n   ${snippet}\n`,
      );
    });
    return 0;
  } finally {
    runtime.close();
  }
}
