import {
  GroundedError,
  ModelNotFoundError,
  OllamaError,
  OllamaTimeoutError,
  OllamaUnavailableError,
} from "../errors.js";
import { requestWhole } from "./http-json.js";
import { parseNdjson } from "./ndjson.js";
import type {
  OllamaChatChunk,
  OllamaChatRequest,
  OllamaEmbedRequest,
  OllamaEmbedResult,
  OllamaPullProgress,
  OllamaShowResponse,
  OllamaTagsResponse,
} from "./wire.js";

/**
 * A thin client for Ollama's REST API (docs/ollama.md explains why not the `ollama` package): streams on
 * Node's built-in fetch, whole JSON answers on its http module (src/ollama/http-json.ts: a millisecond less
 * per call). Every call has a timeout and honours the caller's AbortSignal, and every failure becomes one
 * of the typed errors in src/errors.ts. A caller's abort is passed through untouched (an AbortError).
 */
export interface OllamaClientOptions {
  /** Base URL as returned by parseOllamaHost, e.g. http://127.0.0.1:11434. */
  host: string;
  /** How long Ollama may stay silent: until the response headers, and then between stream chunks. */
  timeoutMs: number;
  /** Replaces the transport for every call (tests that alter responses); default Node's own. */
  fetch?: typeof fetch;
}

interface CallOptions {
  signal?: AbortSignal;
}

export interface OllamaClient {
  readonly host: string;
  version(options?: CallOptions): Promise<{ version: string }>;
  tags(options?: CallOptions): Promise<OllamaTagsResponse>;
  show(model: string, options?: CallOptions): Promise<OllamaShowResponse>;
  embed(request: OllamaEmbedRequest, options?: CallOptions): Promise<OllamaEmbedResult>;
  /** The raw stream chunks (always `stream: true`); throws OllamaError for an error line or a cut stream. */
  chat(request: OllamaChatRequest, options?: CallOptions): AsyncIterable<OllamaChatChunk>;
  pull(model: string, options?: CallOptions): AsyncIterable<OllamaPullProgress>;
}

/**
 * A timeout that can be re-armed. AbortSignal.timeout cannot be extended, and a fixed deadline over a whole
 * stream would cut off long answers and large pulls that are making progress.
 */
function idleDeadline(ms: number) {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new DOMException("Ollama timed out", "TimeoutError")), ms);
  };
  arm();
  return { signal: controller.signal, reset: arm, clear: () => clearTimeout(timer) };
}

type Deadline = ReturnType<typeof idleDeadline>;

function causeCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

export function createOllamaClient(options: OllamaClientOptions): OllamaClient {
  const host = options.host.replace(/\/+$/, "");
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs;

  function translate(
    e: unknown,
    what: string,
    caller: AbortSignal | undefined,
    deadline: Deadline,
    responded: boolean,
  ) {
    if (caller?.aborted) return e;
    if (e instanceof GroundedError) return e;
    const code = causeCode(e);
    if (deadline.signal.aborted || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
      return new OllamaTimeoutError(host, what, timeoutMs);
    }
    if (!responded) return new OllamaUnavailableError(host, e);
    // The connection broke (or sent garbage) after the headers: Ollama was there, the answer is lost.
    return new OllamaError(502, `the response to ${what} broke off: ${(e as Error).message ?? e}`, host);
  }

  function httpError(
    res: { status: number; statusText: string },
    body: string,
    path: string,
    model: string | undefined,
  ): GroundedError {
    const text = body.trim();
    let message = text || res.statusText;
    let isJson = false;
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === "string") [message, isJson] = [parsed.error, true];
    } catch {
      // A plain-text body, e.g. `404 page not found` from the router for an unknown endpoint.
    }
    if (res.status === 404 && model !== undefined && isJson) {
      return new ModelNotFoundError(model, host, new OllamaError(404, message, host));
    }
    if (res.status === 404 && !isJson) {
      message = `${message} (this Ollama has no ${path}; it is probably too old, update it)`;
    }
    return new OllamaError(res.status, message, host);
  }

  async function open(
    path: string,
    body: unknown,
    model: string | undefined,
    deadline: Deadline,
    signal?: AbortSignal,
  ) {
    const res = await doFetch(`${host}${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
    });
    if (!res.ok) throw httpError(res, await res.text().catch(() => ""), path, model);
    return res;
  }

  async function json<T>(
    path: string,
    body: unknown,
    model: string | undefined,
    signal?: AbortSignal,
  ): Promise<T> {
    const what = `${body === undefined ? "GET" : "POST"} ${path}`;
    const deadline = idleDeadline(timeoutMs);
    let responded = false;
    try {
      if (options.fetch) {
        const res = await open(path, body, model, deadline, signal);
        responded = true;
        return (await res.json()) as T;
      }
      const res = await requestWhole(`${host}${path}`, {
        method: body === undefined ? "GET" : "POST",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
        onHeaders: () => {
          responded = true;
        },
      });
      const text = res.body.toString("utf8");
      if (res.status < 200 || res.status > 299) throw httpError(res, text, path, model);
      return JSON.parse(text) as T;
    } catch (e) {
      throw translate(e, what, signal, deadline, responded);
    } finally {
      deadline.clear();
    }
  }

  async function* stream<T>(
    path: string,
    body: unknown,
    model: string,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const deadline = idleDeadline(timeoutMs);
    let responded = false;
    try {
      const res = await open(path, body, model, deadline, signal);
      responded = true;
      if (!res.body) throw new OllamaError(502, `empty response body from ${path}`, host);
      for await (const item of parseNdjson<T & { error?: unknown }>(res.body)) {
        deadline.reset();
        // After the first chunk Ollama can only report a failure as an `{"error":...}` line.
        if (item.error !== undefined) throw new OllamaError(500, String(item.error), host);
        yield item as Awaited<T>;
      }
    } catch (e) {
      throw translate(e, `POST ${path}`, signal, deadline, responded);
    } finally {
      deadline.clear();
    }
  }

  return {
    host,
    version: (o) => json("/api/version", undefined, undefined, o?.signal),
    tags: (o) => json("/api/tags", undefined, undefined, o?.signal),
    show: (model, o) => json("/api/show", { model }, model, o?.signal),

    async embed(request, o) {
      const body = {
        model: request.model,
        input: request.input,
        truncate: request.truncate,
        keep_alive: request.keepAlive,
      };
      const res = await json<{ embeddings?: unknown; prompt_eval_count?: number }>(
        "/api/embed",
        body,
        request.model,
        o?.signal,
      );
      if (!Array.isArray(res.embeddings)) {
        throw new OllamaError(502, "the /api/embed response has no `embeddings` array", host);
      }
      return { embeddings: res.embeddings as number[][], promptEvalCount: res.prompt_eval_count };
    },

    async *chat(request, o) {
      const body = {
        model: request.model,
        messages: request.messages,
        stream: true,
        options: request.options,
        think: request.think,
        keep_alive: request.keepAlive,
      };
      let done = false;
      for await (const chunk of stream<OllamaChatChunk>("/api/chat", body, request.model, o?.signal)) {
        if (chunk.done === true) done = true;
        yield chunk;
      }
      if (!done) throw new OllamaError(502, "the chat stream ended without a final `done` chunk", host);
    },

    async *pull(model, o) {
      let success = false;
      for await (const progress of stream<OllamaPullProgress>(
        "/api/pull",
        { model, stream: true },
        model,
        o?.signal,
      )) {
        if (progress.status === "success") success = true;
        yield progress;
      }
      if (!success) throw new OllamaError(502, `the pull of ${model} ended without "success"`, host);
    },
  };
}
