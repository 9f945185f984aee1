import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ZodError } from "zod";
import {
  BusyError,
  GroundedError,
  INTERNAL_ERROR_MESSAGE,
  IngestBusyError,
  MethodNotAllowedError,
} from "../errors.js";

export interface ErrorBody {
  error: { code: string; message: string };
}

/** The one place where errors become HTTP responses. Handlers only throw. */
export function toErrorResponse(err: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = {};
  if (err instanceof BusyError || err instanceof IngestBusyError)
    headers["Retry-After"] = String(err.retryAfterSeconds);
  if (err instanceof MethodNotAllowedError) headers.Allow = err.allow.join(", ");
  if (err instanceof GroundedError)
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, headers };
  if (err instanceof ZodError) {
    const message = err.issues
      .map((i) => `${i.path.length ? i.path.join(".") : "body"}: ${i.message}`)
      .join("; ");
    return { status: 400, body: { error: { code: "invalid_request", message } }, headers };
  }
  if (err instanceof HTTPException) {
    // bearerAuth (GROUNDED_API_KEY) throws with an empty message and its challenge in `res`.
    const challenge = err.res?.headers.get("www-authenticate");
    if (challenge) {
      headers["WWW-Authenticate"] = challenge;
      const message = challenge.includes("invalid_token")
        ? "The API key is wrong. Send the key set in GROUNDED_API_KEY as `Authorization: Bearer <key>`."
        : "This API needs a key: send `Authorization: Bearer <key>` with the key set in GROUNDED_API_KEY.";
      return { status: err.status, body: { error: { code: "unauthorized", message } }, headers };
    }
    const code = err.status === 413 ? "body_too_large" : err.status === 401 ? "unauthorized" : "http_error";
    const message = err.message || `The request was refused (HTTP ${err.status}).`;
    return { status: err.status, body: { error: { code, message } }, headers };
  }
  return { status: 500, body: { error: { code: "internal", message: INTERNAL_ERROR_MESSAGE } }, headers };
}

export function errorResponse(c: Context, err: unknown): Response {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500 && !(err instanceof GroundedError)) console.error(err);
  return c.json(body, status as 500, headers);
}
