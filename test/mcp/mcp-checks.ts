import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { expect } from "vitest";

/**
 * What an MCP client sees of grounded over either transport (HTTP in http.test.ts, stdio in stdio.test.ts),
 * on the test corpus (test/helpers/corpus.ts). Each check fails on its own when the behaviour breaks.
 */

type ToolResult = Awaited<ReturnType<Client["callTool"]>>;

export function textOf(result: ToolResult): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? "").join("\n");
}

export function structured(result: ToolResult): Record<string, any> {
  expect(result.isError, textOf(result)).toBeFalsy();
  return result.structuredContent as Record<string, any>;
}

export async function expectTools(client: Client): Promise<void> {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(["ask_documents", "list_documents", "search_documents"]);
  const tool = (name: string) => tools.find((t) => t.name === name) as (typeof tools)[number];
  // The HTTP API's own schemas: the same required fields, the same refusal of unknown ones.
  expect(tool("ask_documents").inputSchema).toMatchObject({
    required: ["question"],
    additionalProperties: false,
  });
  expect(Object.keys(tool("ask_documents").inputSchema.properties ?? {}).sort()).toEqual([
    "filter",
    "history",
    "k",
    "question",
  ]);
  expect(tool("search_documents").inputSchema).toMatchObject({
    required: ["query"],
    additionalProperties: false,
  });
  for (const t of tools) expect(t.outputSchema?.type).toBe("object");
  expect(tool("ask_documents").description).toMatch(/\[n\]/);
  expect(tool("ask_documents").description).toMatch(/not_covered/);
  expect(tool("search_documents").description).toMatch(/ask_documents/);
}

/** A question about the corpus is answered from the right file, and says how well each sentence is backed. */
export async function expectAnswerCitingTheKettleManual(client: Client): Promise<Record<string, any>> {
  const result = await client.callTool({
    name: "ask_documents",
    arguments: { question: "How often should I descale the kettle?" },
  });
  const answer = structured(result);
  expect(answer.answer).toMatch(/four weeks.*\[1\]/);
  expect(answer.coverage).toBe("answered");
  expect(answer.grounded).toBe(true);
  expect(answer.citations[0]).toMatchObject({ n: 1, source: "manuals/kettle.md", page: null });
  expect(answer.citations[0].text).toContain("Descale the kettle every four weeks");
  expect(answer.citations[0].document).toBe(`grounded://document/${answer.citations[0].documentId}`);
  expect(answer.sentences.length).toBeGreaterThan(0);
  expect(answer.sentences[0]).toMatchObject({ citations: [1], support: "supported" });
  expect(answer.unsupported).toBe(0);
  // The readable side carries the answer and its cited source, for clients that pass on only text.
  expect(textOf(result)).toContain(answer.answer);
  expect(textOf(result)).toContain("[1] manuals/kettle.md");
  expect(textOf(result)).toContain("Coverage: answered");
  return answer;
}

/** Search finds the PDF page that holds the words, with its chunk ids, score and document resource. */
export async function expectSearchFindingThePdfPage(client: Client): Promise<void> {
  const result = await client.callTool({
    name: "search_documents",
    arguments: { query: "When are the tomato beds watered?", k: 3 },
  });
  const found = structured(result);
  expect(found.coverage).not.toBe("not_covered");
  const [best] = found.results;
  expect(best).toMatchObject({ source: "greenhouse.pdf", page: 2 });
  expect(best.text).toContain("Water the tomato beds every morning");
  expect(best.chunkIds).toContain(best.chunkId);
  expect(typeof best.score).toBe("number");
  expect(best.document).toMatch(/^grounded:\/\/document\/\d+$/);
  expect(textOf(result)).toContain("1. greenhouse.pdf, page 2");
}

/** The documents as resources: listed with the list_documents tool's URIs, and read page by page. */
export async function expectDocumentResources(client: Client): Promise<void> {
  const { resources } = await client.listResources();
  expect(resources.map((r) => r.name).sort()).toEqual([
    "greenhouse.pdf",
    "manuals/kettle.md",
    "notes.txt",
    "圖書館規則.md",
  ]);
  const listed = structured(await client.callTool({ name: "list_documents", arguments: {} }));
  expect(listed.documents.map((d: { uri: string }) => d.uri).sort()).toEqual(
    resources.map((r) => r.uri).sort(),
  );

  const pdf = resources.find((r) => r.name === "greenhouse.pdf");
  const read = await client.readResource({ uri: pdf?.uri ?? "" });
  const text = (read.contents[0] as { text: string }).text;
  expect(read.contents[0]?.uri).toBe(pdf?.uri);
  const page = (n: number) => text.indexOf(`--- page ${n} ---`);
  expect(page(1)).toBe(0);
  expect(page(2)).toBeGreaterThan(page(1));
  expect(page(3)).toBeGreaterThan(page(2));
  const watering = text.indexOf("Water the tomato beds every morning before nine.");
  expect(watering).toBeGreaterThan(page(2));
  expect(watering).toBeLessThan(page(3));

  const kettle = resources.find((r) => r.name === "manuals/kettle.md");
  const kettleText = ((await client.readResource({ uri: kettle?.uri ?? "" })).contents[0] as { text: string })
    .text;
  expect(kettleText).toContain("## Descaling\n\nDescale the kettle every four weeks with citric acid.");
  expect(kettleText).toContain("The warranty lasts 24 months from the date of purchase.");

  await expect(client.readResource({ uri: "grounded://document/999999" })).rejects.toThrow(/No document/);
}

/** A bad input is refused by the HTTP API's schema, as a tool error the model can read. */
export async function expectValidationErrors(client: Client): Promise<void> {
  const empty = await client.callTool({ name: "ask_documents", arguments: { question: "   " } });
  expect(empty.isError).toBe(true);
  expect(textOf(empty)).toContain("question must not be empty");
  const k = await client.callTool({ name: "search_documents", arguments: { query: "kettle", k: 0 } });
  expect(k.isError).toBe(true);
  expect(textOf(k)).toMatch(/\bk\b/);
  const unknown = await client.callTool({
    name: "search_documents",
    arguments: { query: "kettle", mode: "vector" },
  });
  expect(unknown.isError).toBe(true);
  expect(textOf(unknown)).toMatch(/mode/);
}
