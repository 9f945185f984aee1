import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { askResultSchema, documentsSchema, searchResultSchema } from "../src/server/openapi.js";
import { postJson } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";

type Schema = {
  type?: string;
  required?: string[];
  additionalProperties?: boolean;
  properties?: Record<string, Schema>;
};
type Operation = {
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  parameters?: unknown[];
};
type OpenApiDoc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

describe("GET /openapi.json describes grounded's own API as the validators enforce it", () => {
  let service: IndexedService;
  let doc: OpenApiDoc;

  beforeAll(async () => {
    service = await startIndexedService();
    doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as OpenApiDoc;
  });

  afterAll(async () => {
    await service?.close();
  });

  /** The request body schema of an operation, following its $ref into components. */
  const bodySchema = (path: string): Schema => {
    const ref = doc.paths[path]?.post?.requestBody?.content["application/json"]?.schema.$ref ?? "";
    return doc.components.schemas[ref.replace("#/components/schemas/", "")] ?? {};
  };

  it("is OpenAPI 3.1 with every route of grounded's API", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/ask",
      "/api/documents",
      "/api/documents/{id}",
      "/api/documents/{id}/file",
      "/api/search",
      "/health",
    ]);
    expect(doc.paths["/api/documents/{id}"]?.delete?.parameters?.[0]).toMatchObject({
      name: "id",
      in: "path",
      required: true,
    });
  });

  it("the ask schema requires question and rejects unknown properties, as /api/ask does", async () => {
    const ask = bodySchema("/api/ask");
    expect(ask.required).toEqual(["question"]);
    expect(ask.additionalProperties).toBe(false);
    expect(Object.keys(ask.properties ?? {}).sort()).toEqual([
      "filter",
      "history",
      "k",
      "question",
      "stream",
    ]);

    const unknown = await postJson(`${service.url}/api/ask`, {
      question: "How long is the warranty?",
      colour: "blue",
    });
    expect(unknown.status).toBe(400);
    const missing = await postJson(`${service.url}/api/ask`, { k: 3 });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/question/);
  });

  it("the search schema matches /api/search the same way", async () => {
    const search = bodySchema("/api/search");
    expect(search.required).toEqual(["query"]);
    expect(search.additionalProperties).toBe(false);
    expect(search.properties?.mode).toMatchObject({ enum: ["hybrid", "vector", "lexical"] });
    expect((await postJson(`${service.url}/api/search`, { query: "kettle", mode: "fuzzy" })).status).toBe(
      400,
    );
  });

  it("the response schemas describe what the server really sends", async () => {
    const ask = await postJson(`${service.url}/api/ask`, { question: "How long is the warranty?" });
    expect(askResultSchema.safeParse(ask.json).success).toBe(true);
    const search = await postJson(`${service.url}/api/search`, { query: "citric acid" });
    expect(searchResultSchema.safeParse(search.json).success).toBe(true);
    const documents = await (await fetch(`${service.url}/api/documents`)).json();
    expect(documentsSchema.safeParse(documents).success).toBe(true);
  });
});
