import { type Context, Hono } from "hono";
import { z } from "zod";
import type { AskRequest, AskResult } from "../../answer/answerer.js";
import { startAnswer } from "./answer-events.js";
import { answerFooter, askFromTurns } from "./chat-turns.js";
import type { CompatDeps } from "./deps.js";
import { ollamaError } from "./error-shapes.js";
import { answererForName, answeringModel, chatModelOf } from "./model-names.js";
import { OLLAMA_API_VERSION, psPayload, showPayload, tagsPayload } from "./ollama-meta.js";
import { readCompatBody } from "./read-body.js";
import { textStream } from "./text-stream.js";

/**
 * grounded speaking Ollama's REST API, so an existing Ollama client (the `ollama` npm and Python packages,
 * Open WebUI, editor plug-ins) asks the documents without new code: point it at grounded and pick the model
 * `grounded`. Unknown Ollama fields (options, keep_alive, format, think, tools) are accepted and ignored.
 */

const model = z.string({ error: "model is required" }).trim().min(1, "model is required");
// Ollama streams unless told `"stream": false`; a null is the same as leaving it out.
const stream = z
  .boolean()
  .nullish()
  .transform((v) => v ?? true);
const message = z.looseObject({ role: z.string(), content: z.string().optional() });
const chatBody = z.looseObject({ model, messages: z.array(message).default([]), stream });
const generateBody = z.looseObject({ model, prompt: z.string().default(""), stream });

/** How an answer piece is wrapped: /api/chat sends `message`, /api/generate sends `response`. */
type Shape = (content: string) => Record<string, unknown>;
const chatShape: Shape = (content) => ({ message: { role: "assistant", content } });
const generateShape: Shape = (content) => ({ response: content });

const NS_PER_MS = 1_000_000;

/** Ollama's final-chunk metrics, in nanoseconds; zero metrics are left out as Ollama does. */
function metrics(result: AskResult, pieces: number) {
  return {
    total_duration: Math.round(result.timings.totalMs * NS_PER_MS),
    // Each streamed piece is about one token, which is what Ollama counts.
    ...(pieces > 0 ? { eval_count: pieces } : {}),
    ...(result.timings.generationMs > 0
      ? { eval_duration: Math.round(result.timings.generationMs * NS_PER_MS) }
      : {}),
  };
}

function line(value: object): string {
  return `${JSON.stringify(value)}\n`;
}

async function answer(
  c: Context,
  deps: CompatDeps,
  name: string,
  ask: AskRequest | null,
  streaming: boolean,
  shape: Shape,
) {
  const answerer = answererForName(name, deps);
  const head = () => ({ model: name, created_at: new Date().toISOString() });
  // No question: Ollama's way to load a model. There is nothing to load, so say it is ready.
  if (!ask) return c.json({ ...head(), ...shape(""), done_reason: "load", done: true });
  const run = await startAnswer(answerer, ask, c.req.raw.signal);
  const final = (content: string, result: AskResult, pieces: number) => ({
    ...head(),
    ...shape(content),
    done: true,
    done_reason: "stop",
    ...metrics(result, pieces),
    citations: result.citations,
    coverage: result.coverage,
  });

  if (!streaming) {
    const { result, pieces } = await run.collect();
    return c.json(final(result.answer + answerFooter(result, deps.config.flagUnsupported), result, pieces));
  }
  async function* lines(): AsyncGenerator<string, void, undefined> {
    let pieces = 0;
    try {
      for await (const e of run.events()) {
        if (e.type === "text") {
          pieces++;
          yield line({ ...head(), ...shape(e.text), done: false });
          continue;
        }
        const footer = answerFooter(e.result, deps.config.flagUnsupported);
        if (footer) yield line({ ...head(), ...shape(footer), done: false });
        yield line(final("", e.result, pieces));
      }
    } catch (err) {
      // After output has started Ollama reports an error as one last line, with no done:true after it.
      yield line(ollamaError(err).body);
    }
  }
  return textStream(lines(), "application/x-ndjson", (reason) => run.abort(reason));
}

/** The Accept header ranks text/html first: a browser, which a web page (not this text) should answer. */
function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranked = accept.split(",").map((part) => {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith("q="));
    return { type, q: q ? Number(q.slice(2)) || 0 : 1 };
  });
  const best = Math.max(...ranked.map((r) => r.q));
  return best > 0 && ranked.some((r) => r.type === "text/html" && r.q === best);
}

export function registerOllamaApi(app: Hono, deps: CompatDeps): void {
  const { config } = deps;
  const startedAt = new Date().toISOString();
  const api = new Hono();
  api.onError((err, c) => {
    const { status, body, headers } = ollamaError(err);
    return c.json(body, status as 500, headers);
  });

  // Clients probe `/` (and HEAD /) to see whether Ollama is up. A browser gets passed on, so a web page
  // registered after this one can answer it instead.
  api.get("/", async (c, next) => {
    if (prefersHtml(c.req.header("accept"))) return next();
    return c.text("Ollama is running");
  });
  api.get("/api/version", (c) => c.json({ version: OLLAMA_API_VERSION, grounded: deps.version }));
  api.get("/api/tags", (c) => c.json(tagsPayload(answeringModel(deps), startedAt)));
  api.get("/api/ps", (c) => c.json(psPayload(answeringModel(deps))));
  api.post("/api/show", async (c) => {
    const body = await readCompatBody(
      c.req.raw,
      z.looseObject({ model: z.string().optional(), name: z.string().optional() }),
    );
    const name = body.model ?? body.name ?? "";
    const answerer = answererForName(name, deps); // throws UnknownModelError for a name that is not ours
    const chatModel = answerer.mode === "generative" ? (chatModelOf(name) ?? config.chatModel) : null;
    return c.json(showPayload(name, chatModel, startedAt));
  });
  api.post("/api/chat", async (c) => {
    const body = await readCompatBody(c.req.raw, chatBody);
    return answer(c, deps, body.model, askFromTurns(body.messages), body.stream, chatShape);
  });
  api.post("/api/generate", async (c) => {
    const body = await readCompatBody(c.req.raw, generateBody);
    const ask = body.prompt.trim() === "" ? null : askFromTurns([{ role: "user", content: body.prompt }]);
    return answer(c, deps, body.model, ask, body.stream, generateShape);
  });

  app.route("/", api);
}
