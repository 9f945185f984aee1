import { HTTPException } from "hono/http-exception";
import { BusyError, GroundedError, ModelNotFoundError } from "../errors.js";
import { toErrorResponse } from "./errors.js";
import { UnknownModelError } from "./face-model.js";

/**
 * Errors on the Ollama and OpenAI doors, worded as those APIs word them so their clients recognise them.
 * Status and message come from grounded's own mapping (src/server/errors.ts); only the shape and the few
 * statuses those clients branch on differ. grounded's own routes keep `{error:{code,message}}`.
 */
export interface FaceError {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
}

function faceError(err: unknown): FaceError {
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
export function ollamaError(err: unknown): FaceError & { body: { error: string } } {
  const e = faceError(err);
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
): FaceError & { body: { error: { message: string; type: string; param: null; code: string } } } {
  const e = faceError(err);
  const code = e.status === 401 ? "invalid_api_key" : e.code;
  return { ...e, body: { error: { message: e.message, type: openAiType(e.status), param: null, code } } };
}
