import fs from "node:fs/promises";
import path from "node:path";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { cors } from "hono/cors";
import type { ZodType } from "zod";
import type { Answerer, AskEvent } from "../answer/answerer.js";
import type { Config } from "../config.js";
import { MethodNotAllowedError, NotFoundError, ValidationError } from "../errors.js";
import type { Retriever } from "../retrieval/types.js";
import type { Store } from "../store/store.js";
import { allowedMethods } from "./allowed-methods.js";
import { jsonBodyLimit } from "./body-limit.js";
import { documentView } from "./document-view.js";
import { errorResponseFor, unknownRouteError } from "./face-errors.js";
import { corsOrigins, hostOriginGuard } from "./host-origin.js";
import { ndjsonResponse } from "./ndjson-response.js";
import { registerOllamaFace } from "./ollama-face.js";
import { registerOpenAiFace } from "./openai-face.js";
import { registerOpenApi } from "./openapi.js";
import { askSchema, searchSchema } from "./schemas.js";
import { registerUploads, UPLOAD_PATH, type Uploads, uploadsDir } from "./uploads.js";
import { registerWebPage } from "./web-page.js";

export interface OllamaProbe {
  reachable: boolean;
  version: string | null;
}

export interface AppDeps {
  config: Config;
  store: Store;
  retriever: Retriever;
  answerer: Answerer;
  embedder: { kind: "ollama" | "builtin"; model: string };
  probeOllama: () => Promise<OllamaProbe>;
  version: string;
  /** An answerer for another Ollama chat model, for the model names `grounded:<chat-model>` (face-deps.ts). */
  answererFor?: ((chatModel: string) => Answerer) | undefined;
  /** Ingest for `POST /api/documents` (uploads.ts); without it uploads answer 501. */
  uploads?: Uploads | undefined;
}

async function readJson<T>(req: Request, schema: ZodType<T>): Promise<T> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) {
    throw new ValidationError(
      "Send the request body as JSON with the header Content-Type: application/json.",
      {
        code: "unsupported_media_type",
        status: 415,
      },
    );
  }
  // Windows PowerShell writes files with a byte-order mark; JSON.parse would reject it.
  const text = (await req.text()).replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ValidationError("The request body is not valid JSON.", { code: "invalid_json" });
  }
  return schema.parse(data);
}

function searchResult(r: {
  chunkId: number;
  chunkIds: number[];
  source: string;
  page: number | null;
  heading: string | null;
  text: string;
  score: number;
}) {
  return {
    chunkId: r.chunkId,
    chunkIds: r.chunkIds,
    source: r.source,
    page: r.page,
    heading: r.heading,
    text: r.text,
    score: r.score,
  };
}

export function createApp(deps: AppDeps): Hono {
  const { config, store, retriever, answerer } = deps;
  const app = new Hono();

  // Errors outside the faces' own handlers (unknown routes, the API key, the body limit) take the shape of
  // the API their path belongs to: grounded's, Ollama's or OpenAI's (face-errors.ts).
  app.onError((err, c) => errorResponseFor(c, err));
  // Runs after routing, so it sees every route registered below (faces and web page included).
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0)
      return errorResponseFor(c, new MethodNotAllowedError(c.req.method, c.req.path, allow));
    return errorResponseFor(c, unknownRouteError(c.req.method, c.req.path, config.ollamaHost));
  });

  // First: a rebound Host or a foreign page's Origin gets no further, not even to CORS or the key check.
  app.use("*", hostOriginGuard(config));
  if (config.corsOrigin) app.use("*", cors({ origin: corsOrigins(config) }));
  if (config.apiKey) app.use("/api/*", bearerAuth({ token: config.apiKey }));
  const jsonLimit = jsonBodyLimit(config);
  // Uploads have their own, larger limit (uploads.ts).
  app.use("/api/*", (c, next) =>
    c.req.method === "POST" && c.req.path === UPLOAD_PATH ? next() : jsonLimit(c, next),
  );

  app.get("/health", async (c) => {
    const counts = store.counts();
    const info = store.indexInfo();
    const ollama = await deps.probeOllama();
    return c.json({
      status: "ok",
      version: deps.version,
      index: {
        documents: counts.documents,
        chunks: counts.chunks,
        embedModel: info?.embedModel ?? null,
        dimensions: info?.dimensions ?? null,
      },
      ollama: { host: config.ollamaHost, reachable: ollama.reachable, version: ollama.version },
      chatModel: answerer.mode === "generative" ? config.chatModel : null,
      mode: { embedding: deps.embedder.kind, answer: answerer.mode },
    });
  });

  app.post("/api/search", async (c) => {
    const body = await readJson(c.req.raw, searchSchema);
    const retrieval = await retriever.retrieve(body.query, {
      k: body.k,
      mode: body.mode,
      filter: body.filter,
      signal: c.req.raw.signal,
      history: body.history,
    });
    return c.json({
      results: retrieval.results.map(searchResult),
      relevant: retrieval.relevant,
      coverage: retrieval.coverage,
      timings: { retrievalMs: retrieval.ms },
    });
  });

  app.post("/api/ask", async (c) => {
    const body = await readJson(c.req.raw, askSchema);
    const controller = new AbortController();
    const clientSignal = c.req.raw.signal;
    const onClientGone = () => controller.abort(clientSignal.reason);
    clientSignal.addEventListener("abort", onClientGone, { once: true });
    const events = answerer.ask(
      { question: body.question, k: body.k, history: body.history, filter: body.filter },
      controller.signal,
    );
    if (body.stream) return ndjsonResponse(events, controller);
    try {
      let done: Extract<AskEvent, { type: "done" }> | undefined;
      for await (const e of events) if (e.type === "done") done = e;
      if (!done) throw new Error("answer ended without a result");
      const { type: _type, ...result } = done;
      return c.json(result);
    } finally {
      clientSignal.removeEventListener("abort", onClientGone);
    }
  });

  app.get("/api/documents", (c) => c.json({ documents: store.listDocuments().map(documentView) }));

  app.delete("/api/documents/:id", async (c) => {
    const raw = c.req.param("id");
    const id = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
      throw new ValidationError(`Document id "${raw}" is not a number.`);
    const doc = store.document(id);
    if (!doc) throw new NotFoundError(`No document with id ${id}. GET /api/documents lists them.`);
    store.deleteDocument(id);
    // An uploaded file exists only for the index; removing the document removes the copy as well.
    if (path.dirname(doc.path) === path.resolve(uploadsDir(config))) await fs.rm(doc.path, { force: true });
    return c.json({ deleted: { id, source: doc.source } });
  });

  // Ollama's and OpenAI's APIs and the OpenAPI document; each face words its own errors.
  registerOllamaFace(app, deps);
  registerOpenAiFace(app, deps);
  registerOpenApi(app, deps);
  registerUploads(app, deps);
  // After the Ollama face: its `GET /` passes browsers on to the page.
  registerWebPage(app);

  return app;
}
