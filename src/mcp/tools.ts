import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { AskEvent, SourceRef } from "../answer/answerer.js";
import { askSchema, searchSchema } from "../service/schemas.js";
import type { McpDeps } from "./deps.js";
import { askOutput, documentsOutput, searchOutput } from "./output-schemas.js";
import { documentUri } from "./resources.js";
import { toolError } from "./tool-error.js";
import { askText, searchText } from "./tool-text.js";

/** Written for the model that chooses among tools: what each is for, and how to read what it returns. */
const SEARCH = [
  "Search the user's own documents (the files indexed by grounded: manuals, notes, papers, PDFs) and return the matching passages word for word, best first, each with its file (source), page (PDFs), section heading, chunk ids and score.",
  "Use it to find where something is written, to quote or compare passages, or to gather material to reason over yourself. For a direct answer to a question, use ask_documents instead.",
  '`coverage` says whether the documents hold what was searched for: "answered" (they do), "partial" (perhaps in part: read the passages), "not_covered" (they do not; the passages returned are only the nearest text, not an answer).',
  "Pass earlier turns as `history` so a follow-up is searched for what it means; `filter.source` keeps files whose path starts with a prefix (see list_documents).",
].join(" ");

const ASK = [
  "Answer a question from the user's own documents (the files indexed by grounded), with citations. Prefer it for a question the documents should answer.",
  "The answer cites its sources as [n]; `citations` gives each [n] its file, page and passage text. Keep the [n] markers and name the files when you pass the answer on.",
  "Every sentence is checked against the passage it cites: `sentences` has each one's support (supported, weak, unsupported, uncited) and `unsupported` counts those not backed; do not repeat an unsupported sentence as fact.",
  '`coverage` is "answered", "partial" (the sources may hold only part: check the citations), or "not_covered": the documents do not hold the answer, so tell the user that rather than answering from general knowledge.',
  'Pass earlier turns as `history` so a follow-up ("and what if I don\'t?") is understood. To see raw passages, or many of them, use search_documents.',
].join(" ");

const LIST = [
  "List the documents grounded has indexed: id, file (source), title, format, pages and chunks, with the grounded://document/<id> resource that holds each one's whole text page by page.",
  "Use it to learn what the documents are before searching, or to find the path prefix for a search's `filter.source`.",
].join(" ");

/**
 * A passage as the output schemas list it, field by field: the schemas refuse other properties, so a field
 * added to grounded's own types does not reach a client that checks results against them.
 */
function passage(p: Omit<SourceRef, "n">) {
  const { source, page, heading, documentId, chunkId, chunkIds, text, score } = p;
  return {
    source,
    page,
    heading,
    documentId,
    chunkId,
    chunkIds,
    text,
    score,
    document: documentUri(documentId),
  };
}

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, openWorldHint: false } as const;

async function result<T extends Record<string, unknown>>(
  work: () => Promise<T>,
  text: (structured: T) => string,
  signal?: AbortSignal,
): Promise<CallToolResult> {
  try {
    const structured = await work();
    return { content: [{ type: "text", text: text(structured) }], structuredContent: structured };
  } catch (e) {
    return toolError(e, signal);
  }
}

/** search_documents, ask_documents and list_documents, validated by the HTTP API's own schemas. */
export function registerTools(server: McpServer, { store, retriever, answerer }: McpDeps): void {
  server.registerTool(
    "search_documents",
    {
      title: "Search the documents",
      description: SEARCH,
      inputSchema: searchSchema.omit({ mode: true }),
      outputSchema: searchOutput,
      annotations: READ_ONLY,
    },
    (args, extra) =>
      result(
        async () => {
          const { query, k, filter, history } = args;
          const found = await retriever.retrieve(query, { k, filter, history, signal: extra.signal });
          return {
            results: found.results.map(passage),
            coverage: found.coverage,
            relevant: found.relevant,
          };
        },
        searchText,
        extra.signal,
      ),
  );

  server.registerTool(
    "ask_documents",
    {
      title: "Ask the documents",
      description: ASK,
      inputSchema: askSchema.omit({ stream: true }),
      outputSchema: askOutput,
      annotations: READ_ONLY,
    },
    (args, extra) =>
      result(
        async () => {
          let done: Extract<AskEvent, { type: "done" }> | undefined;
          for await (const e of answerer.ask(args, extra.signal)) if (e.type === "done") done = e;
          if (!done) throw new Error("answer ended without a result");
          const { answer, coverage, grounded, unsupported, mode, model } = done;
          const citations = done.citations.map((c) => ({ n: c.n, ...passage(c) }));
          const sentences = done.sentences.map(({ text, citations, support, score, evidence }) => ({
            text,
            citations,
            support,
            score,
            evidence: evidence && { n: evidence.n, start: evidence.start, end: evidence.end },
          }));
          return { answer, citations, coverage, grounded, sentences, unsupported, mode, model };
        },
        askText,
        extra.signal,
      ),
  );

  server.registerTool(
    "list_documents",
    { title: "List the documents", description: LIST, outputSchema: documentsOutput, annotations: READ_ONLY },
    () =>
      result(
        async () => ({
          documents: (await store.listDocuments()).map((d) => ({
            id: d.id,
            uri: documentUri(d.id),
            source: d.source,
            title: d.title,
            format: d.format,
            pages: d.pages,
            chunks: d.chunkCount,
            ingestedAt: d.ingestedAt,
          })),
        }),
        ({ documents }) =>
          documents.length === 0
            ? "No documents are indexed yet: run `grounded ingest <folder>`."
            : documents
                .map(
                  (d) =>
                    `${d.source}${d.title ? ` "${d.title}"` : ""} (${d.format}${d.pages ? `, ${d.pages} pages` : ""}; ${d.uri})`,
                )
                .join("\n"),
      ),
  );
}
