import type { Service } from "../service/service.js";

/** What the MCP server is built from: the parts of the service (src/service/service.ts) it reads, and its version. */
export type McpDeps = Pick<Service, "store" | "retriever" | "answerer"> & { version: string };
