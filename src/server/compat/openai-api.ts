import { randomUUID } from "node:crypto";
import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { z } from "zod";
import type { AskRequest, AskResult } from "../../answer/answerer.js";
import { ValidationError } from "../../errors.js";
import { estimateTokens } from "../../text/tokens.js";
import { jsonBodyLimit } from "../body-limit.js";
import { startAnswer } from "./answer-events.js";
import { answerFooter, askFromTurns } from "./chat-turns.js";
import type { CompatDeps } from "./deps.js";
import { openAiError } from "./error-shapes.js";
import { answererForName, answeringModel, compatModelNames } from "./model-names.js";
import { readCompatBody } from "./read-body.js";
import { textStream } from "./text-stream.js";

/**
 * grounded speaking OpenAI's chat completions API under /v1, so OpenAI SDKs and tools that take a base URL
 * ask the documents without new code. Sampling fields (temperature, max_tokens, ...) are accepted and
 * ignored: the answer comes from grounded's own prompt and the configured Ollama settings.
 */

const message = z.looseObject({ role: z.string(), content: z.unknown().optional() });
const completionBody = z.looseObject({
  model: z.string({ error: "model is required" }).trim().min(1, "model is required"),
  messages: z.array(message).min(1, "messages must contain at least one message"),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});

/**
 * Token counts, estimated: the answerer does not report the model's own counts, and clients that read
 * `usage` only need the right order of magnitude.
 */
function usage(ask: AskRequest, result: AskResult) {
  const promptText = [
    ask.question,
    ...ask.history.map((h) => h.content),
    ...result.sources.map((s) => s.text),
  ];
  const prompt_tokens = promptText.reduce((n, t) => n + estimateTokens(t), 0);
  const completion_tokens = estimateTokens(result.answer);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}

function sse(value: object | string): string {
  return `data: ${typeof value === "string" ? value : JSON.stringify(value)}\n\n`;
}

async function complete(c: Context, deps: CompatDeps) {
  const body = await readCompatBody(c.req.raw, completionBody);
  const answerer = answererForName(body.model, deps);
  const ask = askFromTurns(body.messages);
  if (!ask) throw new ValidationError("messages must contain a user message: its text is the question.");
  const run = await startAnswer(answerer, ask, c.req.raw.signal);
  const head = {
    id: `chatcmpl-${randomUUID()}`,
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    system_fingerprint: null,
  };

  if (!body.stream) {
    const { result } = await run.collect();
    return c.json({
      ...head,
      object: "chat.completion",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: result.answer + answerFooter(result, deps.config.flagUnsupported),
            refusal: null,
          },
          logprobs: null,
          finish_reason: "stop",
        },
      ],
      usage: usage(ask, result),
      citations: result.citations,
      coverage: result.coverage,
    });
  }

  const chunk = (delta: object, finish: string | null = null) => ({
    ...head,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  async function* events(): AsyncGenerator<string, void, undefined> {
    try {
      yield sse(chunk({ role: "assistant", content: "" }));
      for await (const e of run.events()) {
        if (e.type === "text") {
          yield sse(chunk({ content: e.text }));
          continue;
        }
        const footer = answerFooter(e.result, deps.config.flagUnsupported);
        if (footer) yield sse(chunk({ content: footer }));
        yield sse({ ...chunk({}, "stop"), citations: e.result.citations, coverage: e.result.coverage });
        if (body.stream_options?.include_usage)
          yield sse({
            ...head,
            object: "chat.completion.chunk",
            choices: [],
            usage: usage(ask as AskRequest, e.result),
          });
      }
      yield sse("[DONE]");
    } catch (err) {
      // OpenAI's SDKs raise an `error` event as an API error; no [DONE] follows it.
      yield sse(openAiError(err).body);
    }
  }
  return textStream(events(), "text/event-stream; charset=utf-8", (reason) => run.abort(reason));
}

export function registerOpenAiApi(app: Hono, deps: CompatDeps): void {
  const { config } = deps;
  const created = Math.floor(Date.now() / 1000);
  const api = new Hono();
  api.onError((err, c) => {
    const { status, body, headers } = openAiError(err);
    return c.json(body, status as 500, headers);
  });
  // OpenAI clients always send `Authorization: Bearer <key>`: with GROUNDED_API_KEY set, it must be that key.
  if (config.apiKey) api.use("/v1/*", bearerAuth({ token: config.apiKey }));
  api.use("/v1/*", jsonBodyLimit(config));

  const modelEntry = (id: string) => ({ id, object: "model", created, owned_by: "grounded" });
  api.get("/v1/models", (c) =>
    c.json({ object: "list", data: compatModelNames(answeringModel(deps)).map(modelEntry) }),
  );
  api.get("/v1/models/:model{.+}", (c) => {
    const id = c.req.param("model");
    answererForName(id, deps); // throws UnknownModelError for a name that is not ours
    return c.json(modelEntry(id));
  });
  api.post("/v1/chat/completions", (c) => complete(c, deps));

  app.route("/", api);
}
