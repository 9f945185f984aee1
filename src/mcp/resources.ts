import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { DocumentRecord } from "../store/store.js";
import type { McpDeps } from "./deps.js";
import { documentText } from "./document-text.js";

const PREFIX = "grounded://document/";

/** The MCP resource that holds one document's whole text. */
export function documentUri(id: number): string {
  return `${PREFIX}${id}`;
}

function describe(d: DocumentRecord): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const pages = d.pages ? `, ${count(d.pages, "page")}` : "";
  return `${d.format}${pages}, ${count(d.chunkCount, "chunk")}, ingested ${d.ingestedAt}`;
}

/**
 * Every indexed document as a resource, `grounded://document/<id>`: listing them lists the index, and
 * reading one returns its text page by page (document-text.ts), for a user or client that wants a whole
 * document in the conversation rather than the passages a search picks.
 */
export function registerDocumentResources(server: McpServer, { store }: McpDeps): void {
  const template = new ResourceTemplate(`${PREFIX}{id}`, {
    list: async () => ({
      resources: (await store.listDocuments()).map((d) => ({
        uri: documentUri(d.id),
        name: d.source,
        title: d.title ?? d.source,
        description: describe(d),
        mimeType: "text/plain",
      })),
    }),
  });
  server.registerResource(
    "document",
    template,
    {
      title: "An indexed document",
      description: "A document's whole text, page by page (PDFs under `--- page N ---` lines)",
      mimeType: "text/plain",
    },
    async (uri, { id }) => {
      const raw = String(id);
      const doc = /^\d+$/.test(raw) ? await store.document(Number(raw)) : undefined;
      if (!doc)
        throw new McpError(
          ErrorCode.InvalidParams,
          `No document ${uri.href} in the index. resources/list (or the list_documents tool) lists them.`,
        );
      return {
        contents: [
          { uri: uri.href, mimeType: "text/plain", text: documentText(await store.documentChunks(doc.id)) },
        ],
      };
    },
  );
}
