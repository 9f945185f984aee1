import fs from "node:fs/promises";
import path from "node:path";
import type { Hono } from "hono";
import type { ZodType } from "zod";
import type { AskEvent } from "../answer/answerer.js";
import { InvalidJsonError, UnsupportedMediaTypeError } from "../errors.js";
import { askSchema, searchSchema } from "../service/schemas.js";
import type { AppDeps } from "./app-deps.js";
import { documentFromParam } from "./document-param.js";
import { documentView } from "./document-view.js";
import { ndjsonResponse } from "./ndjson-response.js";
import { uploadsDir } from "./uploads.js";

async function readJson<T>(req: Request, schema: ZodType<T>): Promise<T> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().includes("application/json")) {
    throw new UnsupportedMediaTypeError(
      "Send the request body as JSON with the header Content-Type: application/json.",
    );
  }
  // Windows PowerShell writes files with a byte-order mark; JSON.parse would reject it.
  const text = (await req.text()).replace(/^\uFEFF/, "");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InvalidJsonError("The request body is not valid JSON.");
  }
  return schema.parse(data);
}

function searchResult(r: {
  documentId: number;
  chunkId: number;
  chunkIds: number[];
  source: string;
  page: number | null;
  heading: string | null;
  text: string;
  score: number;
}) {
  return {
    documentId: r.documentId,
    chunkId: r.chunkId,
    chunkIds: r.chunkIds,
    source: r.source,
    page: r.page,
    heading: r.heading,
    text: r.text,
    score: r.score,
  };
}

/** grounded's own API: `/health`, `/api/search`, `/api/ask` and the documents (uploads are in uploads.ts). */
export function registerApiRoutes(app: Hono, deps: AppDeps): void {
  const { config, store, retriever, answerer } = deps;
  app.get("/health", async (c) => {
    const counts = await store.counts();
    const info = await store.indexInfo();
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
      ollama: {
        host: config.ollamaHost,
        reachable: ollama.reachable,
        version: ollama.version,
        // Each host of OLLAMA_HOST: address, reachable, version, requests in flight, rest after a failure.
        hosts: ollama.hosts ?? [
          { host: config.ollamaHost, reachable: ollama.reachable, version: ollama.version, inFlight: 0 },
        ],
      },
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
      searchedFor: retrieval.searchedFor,
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

  app.get("/api/documents", async (c) =>
    c.json({ documents: (await store.listDocuments()).map(documentView) }),
  );

  app.delete("/api/documents/:id", async (c) => {
    const doc = await documentFromParam(store, c.req.param("id"));
    const { id } = doc;
    await store.deleteDocument(id);
    // An uploaded file exists only for the index; removing the document removes the copy as well.
    if (path.dirname(doc.path) === path.resolve(uploadsDir(config))) await fs.rm(doc.path, { force: true });
    return c.json({ deleted: { id, source: doc.source } });
  });
}
