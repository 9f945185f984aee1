import http from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type RunningService, startService } from "../helpers/app.js";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { until } from "../helpers/until.js";
import {
  expectAnswerCitingTheKettleManual,
  expectDocumentResources,
  expectSearchFindingThePdfPage,
  expectTools,
  expectValidationErrors,
  structured,
  textOf,
} from "./mcp-checks.js";

async function connect(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "grounded-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

/** An MCP initialize request, as a client's first POST sends it. */
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

/** POST /mcp with headers fetch will not send as given (Host), through node:http. */
function rawPost(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/mcp`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(INITIALIZE);
  });
}

describe("MCP over Streamable HTTP at /mcp on grounded serve", () => {
  let service: IndexedService;
  let client: Client;

  beforeAll(async () => {
    service = await startIndexedService();
    client = await connect(service.url);
  });
  afterAll(async () => {
    await client?.close();
    await service?.close();
  });

  it("introduces itself as grounded and lists the three tools with the HTTP API's schemas", async () => {
    expect(client.getServerVersion()?.name).toBe("grounded");
    expect(client.getInstructions()).toMatch(/not_covered/);
    await expectTools(client);
  });

  it("ask_documents answers citing the right file, with the sentence check; the same answer as /api/ask", async () => {
    const answer = await expectAnswerCitingTheKettleManual(client);
    const http = await postJson(`${service.url}/api/ask`, {
      question: "How often should I descale the kettle?",
    });
    expect(answer.answer).toBe(http.json.answer);
    // The same citations, each with its document as an MCP resource besides.
    expect(answer.citations.map(({ document: _, ...c }: Record<string, unknown>) => c)).toEqual(
      http.json.citations,
    );
    expect(answer.sentences).toEqual(http.json.sentences);
  });

  it('ask_documents says "not_covered" for a question the documents do not hold', async () => {
    const result = await client.callTool({
      name: "ask_documents",
      arguments: { question: "Who won the 1954 football world cup final?" },
    });
    const answer = structured(result);
    expect(answer).toMatchObject({ coverage: "not_covered", grounded: false, citations: [] });
    expect(textOf(result)).toMatch(/Coverage: not_covered\. The documents do not hold this/);
  });

  it("search_documents finds the PDF page, and a source filter keeps to one folder", async () => {
    await expectSearchFindingThePdfPage(client);
    const filtered = structured(
      await client.callTool({
        name: "search_documents",
        arguments: { query: "kettle warranty receipt", filter: { source: "manuals/" } },
      }),
    );
    expect(filtered.results.length).toBeGreaterThan(0);
    for (const r of filtered.results) expect(r.source).toMatch(/^manuals\//);
  });

  it("lists the documents as resources and reads one page by page", async () => {
    await expectDocumentResources(client);
  });

  it("refuses bad input with the schema's message, as a tool error", async () => {
    await expectValidationErrors(client);
  });

  it("a failing chat model is a tool error with /api/ask's message, and the server goes on", async () => {
    const question = "How long is the warranty?";
    service.ollama.reset();
    try {
      service.ollama.models.delete("gemma4:e4b:latest");
      service.ollama.models.delete("gemma4:e4b");
      const api = await postJson(`${service.url}/api/ask`, { question });
      expect(api.json.error.code).toBe("model_not_found");
      const missing = await client.callTool({ name: "ask_documents", arguments: { question } });
      expect(missing.isError).toBe(true);
      expect(textOf(missing)).toBe(api.json.error.message);

      service.ollama.reset();
      service.ollama.failNext({ path: "/api/chat", status: 503, error: "server busy", count: 4 });
      const busyApi = await postJson(`${service.url}/api/ask`, { question });
      expect(busyApi.json.error.code).toBe("ollama_busy");
      const busy = await client.callTool({ name: "ask_documents", arguments: { question } });
      expect(busy.isError).toBe(true);
      expect(textOf(busy)).toBe(busyApi.json.error.message);
    } finally {
      service.ollama.reset();
    }
    expect(
      structured(await client.callTool({ name: "ask_documents", arguments: { question } })).coverage,
    ).toBe("answered");
  });

  it("a client that hangs up mid-question stops the work: grounded hangs up on Ollama too", async () => {
    const leaving = await connect(service.url);
    service.ollama.reset();
    service.ollama.delayMs = 5000;
    try {
      const call = leaving.callTool({
        name: "ask_documents",
        arguments: { question: "How long is the warranty?" },
      });
      await until("the question to reach Ollama", () => service.ollama.requests.length > 0, 3000);
      await leaving.close();
      await expect(call).rejects.toThrow();
      // Well before Ollama would have answered (5 s), grounded has hung up on it.
      await until("grounded to hang up on Ollama", () => service.ollama.abandoned.length > 0, 2500);
    } finally {
      service.ollama.reset();
    }
  });

  it("answers GET and DELETE with 405 (stateless: every POST is a whole exchange)", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await fetch(`${service.url}/mcp`, { method, headers: { accept: "text/event-stream" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("keeps a foreign Host or Origin out, as on every route", async () => {
    const origin = await rawPost(service.url, { origin: "https://evil.example" });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body).error.code).toBe("forbidden_origin");
    const host = await rawPost(service.url, { host: "evil.example" });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.code).toBe("forbidden_host");
    // The same request from no page at all gets through.
    expect((await rawPost(service.url, {})).status).toBe(200);
  });

  it("refuses a body over GROUNDED_MAX_BODY_KB with 413", async () => {
    const res = await fetch(`${service.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "ping",
        params: { pad: "x".repeat(300 * 1024) },
      }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
  });
});

describe("/mcp with GROUNDED_API_KEY", () => {
  const key = "mcp-test-key";
  let indexed: IndexedService;
  let keyed: RunningService;

  beforeAll(async () => {
    indexed = await startIndexedService();
    keyed = await startService({ ...indexed.env, GROUNDED_API_KEY: key });
  });
  afterAll(async () => {
    await keyed?.close();
    await indexed?.close();
  });

  it("refuses a client without the key, or with a wrong one", async () => {
    await expect(connect(keyed.url)).rejects.toThrow(/401|needs a key/);
    await expect(connect(keyed.url, { Authorization: "Bearer wrong" })).rejects.toThrow(/401|key is wrong/);
    const raw = await rawPost(keyed.url, {});
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body).error.code).toBe("unauthorized");
  });

  it("serves a client that sends the key as a bearer token", async () => {
    const client = await connect(keyed.url, { Authorization: `Bearer ${key}` });
    try {
      await expectTools(client);
      await expectSearchFindingThePdfPage(client);
    } finally {
      await client.close();
    }
  });

  it("checks the Origin before the key: a foreign page is refused even with it", async () => {
    const res = await rawPost(keyed.url, { origin: "https://evil.example", authorization: `Bearer ${key}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.code).toBe("forbidden_origin");
  });
});
