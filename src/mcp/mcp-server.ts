import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { McpDeps } from "./deps.js";
import { registerDocumentResources } from "./resources.js";
import { registerTools } from "./tools.js";

/** Told to the client at the start of a session; many pass it to the model. */
const INSTRUCTIONS = [
  "grounded answers from the user's own documents, indexed on this machine.",
  "ask_documents answers a question with citations [n] to file and page; search_documents returns the matching passages themselves; list_documents shows what is indexed.",
  'When coverage is "not_covered", the documents do not hold the answer: say so instead of answering from general knowledge.',
].join(" ");

/**
 * The MCP server over one service: the tools (tools.ts) and the documents as resources (resources.ts).
 * Cheap to build: the HTTP transport builds one per request (http.ts), stdio one per process (stdio.ts).
 */
export function createMcpServer(deps: McpDeps): McpServer {
  const server = new McpServer({ name: "grounded", version: deps.version }, { instructions: INSTRUCTIONS });
  registerTools(server, deps);
  registerDocumentResources(server, deps);
  return server;
}
