import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOllamaClient } from "../src/ollama/client.js";
import { ollamaReachable } from "../src/ollama/reachable.js";

describe("ollamaReachable", () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    // A server that answers every path with Ollama's plain 404, like one without /api/version.
    server = http.createServer((_req, res) => {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("404 page not found");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("counts any HTTP answer as reachable, so a server without /api/version is not mistaken for no Ollama", async () => {
    expect(await ollamaReachable(createOllamaClient({ host: url, timeoutMs: 2000 }))).toBe("unknown");
  });

  it("a refused connection is unreachable", async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(
      await ollamaReachable(createOllamaClient({ host: `http://127.0.0.1:${port}`, timeoutMs: 2000 })),
    ).toBeNull();
  });
});
