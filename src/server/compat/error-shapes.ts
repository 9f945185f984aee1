import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import {
  BusyError,
  GroundedError,
  ModelNotFoundError,
  NotFoundError,
  UnknownModelError,
} from "../../errors.js";
import { errorResponse, toErrorResponse } from "../error-response.js";
import { COMPAT_MODEL } from "./model-names.js";

/**
 * Errors on the Ollama- and OpenAI-compatible APIs, worded as those APIs word them so their clients recognise them.
 * Status and message come from grounded's own mapping (src/server/error-response.ts); only the shape and the few
 * statuses those clients branch on differ. grounded's own routes keep `{error:{code,message}}`.
 */
export interface CompatError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

function compatError(err: unknown): CompatError {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500 && !(err instanceof GroundedError)) console.error(err);
  if (err instanceof HTTPException && err.status === 401)
    headers["WWW-Authenticate"] = 'Bearer realm="grounded"';
  // Ollama answers 404 for a chat model it does not have; grounded's own API says 503 (a server problem).
  if (err instanceof ModelNotFoundError)
    return { status: 404, code: "model_not_found", message: err.message, headers };
  if (err instanceof UnknownModelError)
    return { status: 404, code: "model_not_found", message: err.message, headers };
  return { status, code: body.error.code, message: body.error.message, headers };
}

/** Ollama: `{"error":"..."}`; a full queue is 503 "server busy" as in Ollama. */
export function ollamaError(err: unknown): CompatError & { body: { error: string } } {
  const e = compatError(err);
  if (err instanceof BusyError) e.status = 503;
  return { ...e, body: { error: e.message } };
}

function openAiType(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  return status >= 500 ? "server_error" : "invalid_request_error";
}

/** OpenAI: `{"error":{"message","type","param","code"}}`. */
export function openAiError(
  err: unknown,
): CompatError & { body: { error: { message: string; type: string; param: null; code: string } } } {
  const e = compatError(err);
  const code = e.status === 401 ? "invalid_api_key" : e.code;
  return { ...e, body: { error: { message: e.message, type: openAiType(e.status), param: null, code } } };
}

/** Ollama's API paths, those grounded answers and those it does not: their errors take Ollama's shape. */
const OLLAMA_PATH =
  /^\/api\/(?:generate|chat|embed|embeddings|pull|push|create|copy|delete|show|tags|ps|version|blobs)(?:\/|$)/;

/** Which API a request path belongs to: Ollama's, OpenAI's (everything under /v1) or grounded's own. */
export function apiOf(path: string): "ollama" | "openai" | "grounded" {
  if (path === "/v1" || path.startsWith("/v1/")) return "openai";
  return OLLAMA_PATH.test(path) ? "ollama" : "grounded";
}

/**
 * An error outside the compatible APIs' own handlers (an unknown route, the API key check, the body limit) in the
 * shape of the API its path belongs to: an Ollama client reads `error` as a string and an OpenAI client
 * reads `error.message`; either prints `[object Object]` or nothing for grounded's own shape.
 */
export function errorResponseFor(c: Context, err: unknown): Response {
  const api = apiOf(c.req.path);
  if (api === "grounded") return errorResponse(c, err);
  const { status, body, headers } = api === "ollama" ? ollamaError(err) : openAiError(err);
  return c.json(body, status as 500, headers);
}

/** A path no route answers, worded for the API it belongs to: what grounded does answer there instead. */
export function unknownRouteError(method: string, path: string, ollamaHost: string): NotFoundError {
  const api = apiOf(path);
  if (api === "ollama")
    return new NotFoundError(
      `grounded does not implement ${method} ${path}: it answers questions about your documents as the model "${COMPAT_MODEL}" through /api/chat and /api/generate. For embeddings, pulls and other model management, talk to Ollama itself at ${ollamaHost}.`,
    );
  if (api === "openai")
    return new NotFoundError(
      `grounded does not implement ${method} ${path}: it answers questions about your documents as the model "${COMPAT_MODEL}" through /v1/chat/completions (GET /v1/models lists it).`,
    );
  return new NotFoundError(`No route ${method} ${path}. See the README for the API.`);
}
