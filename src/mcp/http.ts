import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { McpDeps } from "./deps.js";
import { createMcpServer } from "./mcp-server.js";

/**
 * One request to `/mcp` (Streamable HTTP), stateless: the SDK's pattern of a fresh server and transport for
 * each POST, since a server holds one transport and grounded keeps nothing between requests. The reply is
 * plain JSON rather than an SSE stream: grounded sends no notifications. A client that hangs up closes the
 * server, which aborts the tool's work (its request to Ollama included).
 *
 * The caller (src/server/app.ts) has already checked Host, Origin, the API key and the body size.
 */
export async function handleMcpRequest(deps: McpDeps, request: Request): Promise<Response> {
  const server = createMcpServer(deps);
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  const close = () => void server.close().catch(() => {});
  request.signal.addEventListener("abort", close, { once: true });
  try {
    await server.connect(transport);
    return await transport.handleRequest(request);
  } finally {
    request.signal.removeEventListener("abort", close);
    close();
  }
}
