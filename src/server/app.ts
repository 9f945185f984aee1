import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { cors } from "hono/cors";
import { MethodNotAllowedError } from "../errors.js";
import { handleMcpRequest } from "../mcp/http.js";
import { allowedMethods } from "./allowed-methods.js";
import { registerApiRoutes } from "./api-routes.js";
import type { AppDeps } from "./app-deps.js";
import { jsonBodyLimit } from "./body-limit.js";
import { errorResponseFor, unknownRouteError } from "./compat/error-shapes.js";
import { registerOllamaApi } from "./compat/ollama-api.js";
import { registerOpenAiApi } from "./compat/openai-api.js";
import { registerDocumentFile } from "./document-file.js";
import { corsOrigins, hostOriginGuard } from "./host-origin.js";
import { registerOpenApi } from "./openapi.js";
import { registerUploads, UPLOAD_PATH } from "./uploads.js";
import { registerWebPage } from "./web-page.js";

/** Where MCP clients that speak Streamable HTTP connect (docs/mcp.md). */
const MCP_PATH = "/mcp";

export function createApp(deps: AppDeps): Hono {
  const { config } = deps;
  const app = new Hono();

  // Errors outside the compatible APIs' own handlers (unknown routes, the API key, the body limit) take the shape of
  // the API their path belongs to: grounded's, Ollama's or OpenAI's (compat/error-shapes.ts).
  app.onError((err, c) => errorResponseFor(c, err));
  // Runs after routing, so it sees every route registered below (compatible APIs and web page included).
  app.notFound((c) => {
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0)
      return errorResponseFor(c, new MethodNotAllowedError(c.req.method, c.req.path, allow));
    return errorResponseFor(c, unknownRouteError(c.req.method, c.req.path, config.ollamaHost));
  });

  // First: a rebound Host or a foreign page's Origin gets no further, not even to CORS or the key check.
  app.use("*", hostOriginGuard(config));
  if (config.corsOrigin) app.use("*", cors({ origin: corsOrigins(config) }));
  if (config.apiKey) {
    app.use("/api/*", bearerAuth({ token: config.apiKey }));
    app.use(MCP_PATH, bearerAuth({ token: config.apiKey }));
  }
  const jsonLimit = jsonBodyLimit(config);
  // Uploads have their own, larger limit (uploads.ts).
  app.use("/api/*", (c, next) =>
    c.req.method === "POST" && c.req.path === UPLOAD_PATH ? next() : jsonLimit(c, next),
  );
  app.use(MCP_PATH, jsonLimit);

  registerApiRoutes(app, deps);
  registerDocumentFile(app, deps);
  // Ollama's and OpenAI's APIs and the OpenAPI document; each words its own errors.
  registerOllamaApi(app, deps);
  registerOpenAiApi(app, deps);
  registerOpenApi(app, deps);
  registerUploads(app, deps);
  // The MCP server (src/mcp/), stateless: each POST is a whole exchange, so GET and DELETE answer 405.
  app.post(MCP_PATH, (c) => handleMcpRequest(deps, c.req.raw));
  // After the Ollama-compatible API: its `GET /` passes browsers on to the page.
  registerWebPage(app);

  return app;
}
