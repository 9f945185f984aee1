import type { AskEvent } from "../../src/answer/answerer.js";
import { sourceLabel } from "../../src/answer/prompt.js";
import { ValidationError } from "../../src/errors.js";
import type { RetrievalMode } from "../../src/retrieval/types.js";
import { createService } from "../../src/service/service.js";
import type { ConfigFlags } from "../args.js";
import { defineCommand } from "../command.js";
import { configFor, type Invocation } from "../invocation.js";
import type { Output } from "../progress.js";

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100)
    throw new ValidationError(`${name} ${raw} must be a whole number from 1 to 100.`);
  return n;
}

/** `grounded ask "<question>"`: streams the answer to the terminal, then lists the cited sources. */
export const askCommand = defineCommand({
  name: "ask",
  args: '"<question>"',
  summary: "answer from the index, with citations",
  flags: {
    k: { type: "string", value: "N", help: "how many passages to answer from (default 6)" },
    source: { type: "string", value: "PREFIX", help: "only documents whose path starts with PREFIX" },
  },
  common: ["json", "db", "chat-model", "ollama-host"],
  run: ({ values, positionals, inv, out, err }) => runAsk(values, positionals, inv, out, err),
});

async function runAsk(
  values: { k?: string; source?: string; json?: boolean } & ConfigFlags,
  positionals: string[],
  inv: Invocation,
  out: Output,
  err: Output,
): Promise<number> {
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
export const searchCommand = defineCommand({
  name: "search",
  args: '"<query>"',
  summary: "the passages that match, without an answer",
  flags: {
    k: { type: "string", value: "N", help: "how many results (default 10)" },
    mode: { type: "string", value: "hybrid|vector|lexical", help: "how to search (default hybrid)" },
    source: { type: "string", value: "PREFIX", help: "only documents whose path starts with PREFIX" },
  },
  common: ["json", "db", "ollama-host"],
  run: ({ values, positionals, inv, out, err }) => runSearch(values, positionals, inv, out, err),
});

async function runSearch(
  values: { k?: string; source?: string; mode?: string; json?: boolean } & ConfigFlags,
  positionals: string[],
  inv: Invocation,
  out: Output,
  err: Output,
): Promise<number> {
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
