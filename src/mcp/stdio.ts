import type { Readable, Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { McpDeps } from "./deps.js";
import { createMcpServer } from "./mcp-server.js";

/**
 * Serve MCP over stdin and stdout (`grounded mcp`, for a client that launches grounded itself) until the
 * client closes stdin, the connection closes, or `stop` settles. stdout carries protocol messages and
 * nothing else; whoever calls this sends every other word to stderr.
 */
export async function serveMcpOverStdio(
  deps: McpDeps,
  stop: Promise<void>,
  stdin: Readable = process.stdin,
  stdout: Writable = process.stdout,
): Promise<void> {
  const server = createMcpServer(deps);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = resolve;
  });
  // The SDK's transport does not watch for the end of stdin: a client that goes away just closes it.
  const ended = new Promise<void>((resolve) => stdin.once("end", resolve));
  await server.connect(new StdioServerTransport(stdin, stdout));
  await Promise.race([closed, ended, stop]);
  await server.close();
}
