import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OllamaError, OllamaUnavailableError } from "../src/errors.js";
import { createOllamaClient } from "../src/ollama/client.js";
import { requestWhole } from "../src/ollama/http-json.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A real HTTP server on a free port; `handle` sees each request with its socket's request count. */
async function serve(
  handle: (
    req: { url?: string },
    res: import("node:http").ServerResponse,
    nth: number,
    socket: Socket,
  ) => void,
): Promise<string> {
  const counts = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    const nth = (counts.get(req.socket) ?? 0) + 1;
    counts.set(req.socket, nth);
    handle(req, res, nth, req.socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const never = () => new AbortController().signal;

describe("whole JSON responses over Node's http module (src/ollama/http-json.ts)", () => {
  it("reads a response in many pieces to the end, on one kept-alive connection", async () => {
    const sockets = new Set<Socket>();
    const url = await serve((_req, res, _nth, socket) => {
      sockets.add(socket);
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"embeddings":[[0.1,');
      setTimeout(() => res.end("0.2]]}"), 5);
    });
    for (let i = 0; i < 3; i++) {
      const res = await requestWhole(`${url}/api/embed`, { method: "POST", body: "{}", signal: never() });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString("utf8"))).toEqual({ embeddings: [[0.1, 0.2]] });
    }
    expect(sockets.size).toBe(1);
  });

  it("sends a request again on a new connection when the kept-alive one was closed by the server", async () => {
    const sockets = new Set<Socket>();
    const url = await serve((_req, res, nth, socket) => {
      sockets.add(socket);
      // A server that drops idle connections: the second request on a connection finds it gone.
      if (nth > 1) return socket.destroy();
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"version":"0.12.0"}');
    });
    const client = createOllamaClient({ host: url, timeoutMs: 5000 });
    expect(await client.version()).toEqual({ version: "0.12.0" });
    expect(await client.version()).toEqual({ version: "0.12.0" });
    expect(sockets.size).toBe(2);
  });

  it("a server that drops every request is unreachable; a request on a fresh connection is not sent again", async () => {
    let requests = 0;
    const url = await serve((_req, _res, _nth, socket) => {
      requests++;
      socket.destroy();
    });
    const err = await createOllamaClient({ host: url, timeoutMs: 5000 })
      .version()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaUnavailableError);
    // A fresh connection is never resent: only a kept-alive one may have been closed while idle.
    expect(requests).toBe(1);
  });

  it("an answer cut off after its headers is a broken response (502), not an unreachable Ollama", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"embeddings":[[0.1,');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const err = await createOllamaClient({ host: url, timeoutMs: 5000 })
      .embed({ model: "bge-m3", input: ["x"] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as OllamaError).upstreamStatus).toBe(502);
    expect((err as Error).message).toMatch(/broke off/);
  });

  it("an HTTP error's body becomes Ollama's message", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end('{"error":"llama runner process has terminated: exit status 2"}');
    });
    const err = await createOllamaClient({ host: url, timeoutMs: 5000 })
      .embed({ model: "bge-m3", input: ["x"] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OllamaError);
    expect((err as OllamaError).upstreamStatus).toBe(500);
    expect((err as Error).message).toContain("llama runner process has terminated");
  });
});
