import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";

/** Every bad request is a 4xx with `{error:{code,message}}`: never a 500, never a stack trace. */
describe("request validation", () => {
  let service: IndexedService;

  beforeAll(async () => {
    service = await startIndexedService({ env: { GROUNDED_MAX_BODY_KB: "16" } });
  });
  afterAll(async () => {
    await service?.close();
  });

  async function send(method: string, route: string, body?: string, type = "application/json") {
    const res = await fetch(`${service.url}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": type },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: JSON.parse(text) as Record<string, any> };
  }

  function expectClientError(r: { status: number; text: string; json: Record<string, any> }, status: number) {
    expect(r.status).toBe(status);
    expect(Object.keys(r.json)).toEqual(["error"]);
    expect(typeof r.json.error.code).toBe("string");
    expect(r.json.error.message.length).toBeGreaterThan(10);
    expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+|node_modules|Error:/);
  }

  const ask = (body: unknown) => send("POST", "/api/ask", JSON.stringify(body));
  const search = (body: unknown) => send("POST", "/api/search", JSON.stringify(body));

  it.each([
    ["/api/ask", "{not json"],
    ["/api/ask", '{"question": "x",}'],
    ["/api/search", ""],
    ["/api/search", "\u0000\u0001"],
  ])("malformed JSON to %s → 400 invalid_json", async (route, body) => {
    const r = await send("POST", route, body);
    expectClientError(r, 400);
    expect(r.json.error.code).toBe("invalid_json");
  });

  it.each([
    ["question is a number", { question: 42 }, /question/],
    ["question is null", { question: null }, /question/],
    ["body is an array", ["What?"], /body/],
    ["k is a string", { question: "warranty?", k: "5" }, /k/],
    ["stream is a string", { question: "warranty?", stream: "yes" }, /stream/],
    ["history has a system turn", { question: "q?", history: [{ role: "system", content: "x" }] }, /history/],
    ["an unknown field", { question: "warranty?", temperature: 2 }, /temperature/],
    ["an unknown field in filter", { question: "warranty?", filter: { path: "/etc" } }, /path/],
    ["an empty question", { question: "" }, /must not be empty/],
    ["a blank question", { question: "   \n " }, /must not be empty/],
    ["a 100 kB question", { question: "why ".repeat(3000) }, /longer than 8000/],
    ["k = 0", { question: "warranty?", k: 0 }, /k/],
    ["k = 51", { question: "warranty?", k: 51 }, /k/],
    ["k = 2.5", { question: "warranty?", k: 2.5 }, /k/],
    ["k = -1", { question: "warranty?", k: -1 }, /k/],
  ])("/api/ask with %s → 400 naming the field", async (_what, body, field) => {
    const r = await ask(body);
    expectClientError(r, 400);
    expect(r.json.error.code).toBe("invalid_request");
    expect(r.json.error.message).toMatch(field);
  });

  it.each([
    ["an empty query", { query: "" }],
    ["k = 1000", { query: "kettle", k: 1000 }],
    ["an unknown mode", { query: "kettle", mode: "semantic" }],
    ["an unknown field", { query: "kettle", limit: 3 }],
  ])("/api/search with %s → 400", async (_what, body) => {
    expectClientError(await search(body), 400);
  });

  it("a 100 kB question is refused by the body limit when it is larger than GROUNDED_MAX_BODY_KB", async () => {
    const r = await ask({ question: "x".repeat(100 * 1024) });
    expectClientError(r, 413);
    expect(r.json.error).toEqual({
      code: "body_too_large",
      message: `The request body is larger than ${16 * 1024} bytes.`,
    });
  });

  it("an oversized body without Content-Length (chunked) is refused too", async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const res = await fetch(`${service.url}/api/search`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(((await res.json()) as Record<string, any>).error.code).toBe("body_too_large");
  });

  it.each([
    ["text/plain", '{"question":"warranty?"}'],
    ["application/x-www-form-urlencoded", "question=warranty"],
    ["multipart/form-data; boundary=x", "--x--"],
  ])("Content-Type %s → 415", async (type, body) => {
    const r = await send("POST", "/api/ask", body, type);
    expectClientError(r, 415);
    expect(r.json.error.code).toBe("unsupported_media_type");
  });

  it.each([
    ["GET", "/api/ask", "POST"],
    ["PUT", "/api/ask", "POST"],
    ["GET", "/api/search", "POST"],
    ["DELETE", "/api/search", "POST"],
    ["POST", "/api/documents/3", "DELETE"],
    ["PATCH", "/health", "GET, HEAD"],
  ])("%s %s → 405 with Allow: %s", async (method, route, allow) => {
    const r = await send(method, route);
    expectClientError(r, 405);
    expect(r.json.error.code).toBe("method_not_allowed");
    expect(r.headers.get("allow")).toBe(allow);
  });

  it("/favicon.ico is the page's icon, not a 404", async () => {
    const res = await fetch(`${service.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    expect(await res.text()).toMatch(/^<svg /);
  });

  it("an unknown route is still 404, not 405", async () => {
    const r = await send("GET", "/api/nothing-here");
    expectClientError(r, 404);
    expect(r.headers.get("allow")).toBeNull();
  });

  /** A raw request, so the path reaches the server exactly as written (fetch would resolve the dots). */
  function raw(method: string, rawPath: string): Promise<{ status: number; json: Record<string, any> }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${service.url}${rawPath}`, { method, path: rawPath }, (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it.each([
    "/api/documents/../../etc/passwd",
    "/api/documents/..%2F..%2Fetc%2Fpasswd",
    "/api/documents/1;DROP%20TABLE%20documents",
    "/api/documents/1%20OR%201=1",
    "/api/documents/99999999999999999999999",
    "/api/documents/-1",
    "/api/documents/0x10",
    "/api/documents/1e3",
  ])("DELETE %s is refused and deletes nothing", async (rawPath) => {
    const before = await service.runtime.store.counts();
    const r = await raw("DELETE", rawPath);
    expect([400, 404]).toContain(r.status);
    expect(r.json.error.code).toMatch(/^(invalid_request|not_found)$/);
    expect(await service.runtime.store.counts()).toEqual(before);
  });

  it("a well-formed id that does not exist is 404; the service still answers afterwards", async () => {
    const r = await raw("DELETE", "/api/documents/424242");
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/No document with id 424242/);
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
  });
});
