import fs from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerWriter } from "../../cli/server-writer.js";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/server/app.js";
import { type Listening, listen } from "../../src/server/listen.js";
import { createService, type Service } from "../../src/service/service.js";
import { cli } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, any>;
}

/** A request with exactly these headers, Host included (fetch would set Host itself), to 127.0.0.1. */
function raw(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // Node sends a DELETE's body without a length unless told, and the server then reads it as a request.
    const length = body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) };
    const req = request(
      { host: "127.0.0.1", port, method, path: urlPath, headers: { ...length, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, any> = {};
          try {
            json = JSON.parse(text);
          } catch {}
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The body a browser sends for `<form enctype="multipart/form-data">` with one file field. */
function multipart(name: string, content: string) {
  const boundary = "----formboundary7MA4YWxkTrZu0gW";
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
      `Content-Type: text/markdown\r\n\r\n${content}\r\n--${boundary}--\r\n`,
  );
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

const JSON_TYPE = { "content-type": "application/json" };
const SEARCH = JSON.stringify({ query: "kettle descale citric acid" });
const CHAT = JSON.stringify({
  model: "grounded",
  messages: [{ role: "user", content: "How do I descale the kettle?" }],
  stream: false,
});

/** Host and Origin checks (issue 15): no DNS-rebinding reads, no cross-site writes, clients unaffected. */
/**
 * A 403 in the shape of the API the route belongs to: grounded's `{error:{code,message}}`, or Ollama's
 * `{error:"message"}` on Ollama's routes; either way the message names the setting that would allow it.
 */
function expectRefusal(
  res: { status: number; json: { error?: unknown } },
  code: "forbidden_host" | "forbidden_origin",
) {
  expect(res.status).toBe(403);
  const setting = code === "forbidden_host" ? "GROUNDED_ALLOWED_HOSTS" : "GROUNDED_CORS_ORIGIN";
  const error = res.json.error;
  if (typeof error === "string") expect(error).toContain(setting);
  else expect(error).toMatchObject({ code });
}

describe("Host and Origin", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let runtime: Service;
  const servers: Listening[] = [];

  /** The real app on a real port, with the same runtime and upload writer as `serve`. */
  async function serve(extra: Record<string, string> = {}) {
    const config = loadConfig({ ...env, GROUNDED_PORT: "0", ...extra });
    const app = createApp({
      ...runtime,
      config,
      uploads: createServerWriter(runtime).uploads,
      version: "test",
      probeOllama: async () => ({ reachable: true, version: "test" }),
    });
    const server = await listen(app, config);
    servers.push(server);
    return server.port;
  }

  let port: number;
  let own: Record<string, string>;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    writeCorpus(path.join(tmp.dir, "docs"));
    fs.mkdirSync(path.join(tmp.dir, "index"));
    env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index", "index.db") };
    expect((await cli(["ingest", path.join(tmp.dir, "docs")], env)).code).toBe(0);
    runtime = await createService(loadConfig(env));
    port = await serve();
    own = { host: `127.0.0.1:${port}` };
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    runtime?.close();
    await ollama?.close();
    tmp?.cleanup();
  });

  const documentCount = async () => (await runtime.store.counts()).documents;

  describe("DNS rebinding: a Host that is not the server's", () => {
    it("gets 403 on /api/search and /api/documents, naming GROUNDED_ALLOWED_HOSTS, and no document text", async () => {
      const host = { host: `evil.example:${port}` };
      const search = await raw(port, "POST", "/api/search", { ...host, ...JSON_TYPE }, SEARCH);
      expect(search.status).toBe(403);
      expectRefusal(search, "forbidden_host");
      expect(search.json.error.message).toContain(`"evil.example:${port}"`);
      expect(search.json.error.message).toContain("GROUNDED_ALLOWED_HOSTS");
      expect(search.text).not.toMatch(/citric/i);

      const docs = await raw(port, "GET", "/api/documents", host);
      expect(docs.status).toBe(403);
      expectRefusal(docs, "forbidden_host");
      expect(docs.text).not.toContain("kettle.md");
    });

    it("gets 403 on every other route too: the page, /health, the Ollama- and OpenAI-compatible APIs", async () => {
      const host = { host: `evil.example:${port}` };
      for (const [method, route, body] of [
        ["GET", "/", undefined],
        ["GET", "/health", undefined],
        ["GET", "/api/tags", undefined],
        ["POST", "/api/chat", CHAT],
        ["POST", "/v1/chat/completions", CHAT],
        ["GET", "/no-such-route", undefined],
      ] as const) {
        const res = await raw(port, method, route, { ...host, ...JSON_TYPE }, body);
        expect(res.status, `${method} ${route}`).toBe(403);
        expectRefusal(res, "forbidden_host");
      }
    });

    it.each([
      ["another port", (p: number) => `127.0.0.1:${p + 1}`],
      ["no port (so port 80)", () => "localhost"],
      ["a name under localhost's", (p: number) => `localhost.evil.example:${p}`],
    ])("refuses %s", async (_what, host) => {
      const res = await raw(port, "GET", "/api/documents", { host: host(port) });
      expect(res.status).toBe(403);
    });

    it("refuses a Host that is not a host name at all (the HTTP layer already answers 400)", async () => {
      const res = await raw(port, "GET", "/api/documents", { host: `127.0.0.1:${port}@evil.example` });
      expect([400, 403]).toContain(res.status);
      expect(res.text).not.toContain("kettle.md");
    });

    it.each([
      (p: number) => `127.0.0.1:${p}`,
      (p: number) => `localhost:${p}`,
      (p: number) => `LocalHost:${p}`,
      (p: number) => `[::1]:${p}`,
    ])("accepts the loopback names with the port (%#)", async (host) => {
      const res = await raw(port, "GET", "/api/documents", { host: host(port) });
      expect(res.status).toBe(200);
      expect(res.json.documents).toHaveLength(4);
    });

    it("GROUNDED_ALLOWED_HOSTS adds names, for a proxy (any port) or a tunnel (that port)", async () => {
      const p = await serve({ GROUNDED_ALLOWED_HOSTS: "Docs.Example.com, tunnel.example:9000" });
      for (const host of [
        "docs.example.com",
        "docs.example.com:443",
        "DOCS.EXAMPLE.COM",
        "tunnel.example:9000",
      ]) {
        const res = await raw(p, "POST", "/api/search", { host, ...JSON_TYPE }, SEARCH);
        expect(res.status, host).toBe(200);
        expect(res.json.results.length).toBeGreaterThan(0);
      }
      for (const host of ["tunnel.example:9001", "tunnel.example", `evil.example:${p}`]) {
        expect((await raw(p, "GET", "/api/documents", { host })).status, host).toBe(403);
      }
      // Behind a TLS proxy that passes the Host on, the page's own origin is https://docs.example.com.
      const viaProxy = await raw(
        p,
        "POST",
        "/api/search",
        { host: "docs.example.com", origin: "https://docs.example.com", ...JSON_TYPE },
        SEARCH,
      );
      expect(viaProxy.status).toBe(200);
    });

    it("GROUNDED_ALLOWED_HOSTS=* turns the Host check off, but not the Origin check", async () => {
      const p = await serve({ GROUNDED_ALLOWED_HOSTS: "*" });
      const host = { host: "anything.example:1234" };
      expect((await raw(p, "GET", "/api/documents", host)).status).toBe(200);
      const foreign = await raw(
        p,
        "POST",
        "/api/search",
        { ...host, origin: "http://evil.example", ...JSON_TYPE },
        SEARCH,
      );
      expect(foreign.status).toBe(403);
      expectRefusal(foreign, "forbidden_origin");
    });

    it("rejects a GROUNDED_ALLOWED_HOSTS entry written as a URL, saying how to write it", async () => {
      expect(() => loadConfig({ GROUNDED_ALLOWED_HOSTS: "https://docs.example.com" })).toThrow(
        /GROUNDED_ALLOWED_HOSTS entry "https:\/\/docs.example.com" is not a host name.*docs\.example\.com/,
      );
    });

    it("bound to every interface (with a key): IP addresses and the machine's name pass, other names do not", async () => {
      const key = "k3y";
      const p = await serve({ GROUNDED_HOST: "0.0.0.0", GROUNDED_API_KEY: key });
      const auth = { authorization: `Bearer ${key}` };
      const name = os.hostname().toLowerCase();
      for (const host of [`192.168.7.7:${p}`, `[fe80::1]:${p}`, `${name}:${p}`, `localhost:${p}`]) {
        expect((await raw(p, "GET", "/api/documents", { host, ...auth })).status, host).toBe(200);
      }
      const rebound = await raw(p, "GET", "/api/documents", { host: `evil.example:${p}`, ...auth });
      expect(rebound.status).toBe(403);
      // The Origin rule still holds: the key alone does not let another site's page in.
      const foreign = await raw(
        p,
        "POST",
        "/api/search",
        { host: `192.168.7.7:${p}`, origin: "http://evil.example", ...auth, ...JSON_TYPE },
        SEARCH,
      );
      expect(foreign.status).toBe(403);
      expectRefusal(foreign, "forbidden_origin");
    });
  });

  describe("cross-site requests: an Origin that is not the server's", () => {
    it("a cross-site multipart form post is refused and the document is not added", async () => {
      const before = await documentCount();
      const form = multipart("planted.md", "# Planted\n\nThe kettle must never be descaled.\n");
      const res = await raw(
        port,
        "POST",
        "/api/documents",
        { ...own, origin: "http://evil.example", "content-type": form.type },
        form.body,
      );
      expect(res.status).toBe(403);
      expectRefusal(res, "forbidden_origin");
      expect(res.json.error.message).toContain("http://evil.example");
      expect(res.json.error.message).toContain("GROUNDED_CORS_ORIGIN");
      expect(await documentCount()).toBe(before);
      expect((await runtime.store.listDocuments()).map((d) => d.source)).not.toContain("planted.md");
      expect(fs.existsSync(path.join(tmp.dir, "index", "uploads", "planted.md"))).toBe(false);
    });

    it("the same form post from the server's own page is accepted; a foreign DELETE is refused, its own is not", async () => {
      const form = multipart("own.md", "# Own\n\nThe teapot spout is cleaned with a soft brush.\n");
      const origin = `http://127.0.0.1:${port}`;
      const added = await raw(
        port,
        "POST",
        "/api/documents",
        { ...own, origin, "content-type": form.type },
        form.body,
      );
      expect(added.status).toBe(201);
      const id = added.json.document.id as number;

      const foreign = await raw(port, "DELETE", `/api/documents/${id}`, {
        ...own,
        origin: "http://evil.example",
      });
      expect(foreign.status).toBe(403);
      expect(await runtime.store.document(id)).toBeTruthy();

      const deleted = await raw(port, "DELETE", `/api/documents/${id}`, { ...own, origin });
      expect(deleted.status).toBe(200);
      expect(await runtime.store.document(id)).toBeFalsy();
    });

    it.each([
      ["POST", "/api/search", "text/plain"],
      ["POST", "/api/ask", "text/plain"],
      ["POST", "/api/chat", "text/plain"],
      ["POST", "/api/generate", "text/plain"],
      ["POST", "/v1/chat/completions", "text/plain"],
      ["POST", "/api/search", "application/x-www-form-urlencoded"],
      ["GET", "/api/documents", undefined],
    ])("%s %s (%s) from another site's page is refused", async (method, route, type) => {
      const headers: Record<string, string> = { ...own, origin: "https://evil.example" };
      if (type) headers["content-type"] = type;
      const body = route === "/api/search" ? SEARCH : route === "/api/ask" ? '{"question":"kettle?"}' : CHAT;
      const res = await raw(port, method, route, headers, method === "GET" ? undefined : body);
      expect(res.status).toBe(403);
      expectRefusal(res, "forbidden_origin");
      expect(res.text).not.toMatch(/citric|kettle\.md/i);
    });

    it.each([
      ["POST", "/api/search"],
      ["POST", "/api/documents"],
      ["DELETE", "/api/documents/1"],
      ["GET", "/api/documents"],
      ["POST", "/api/chat"],
    ])("Origin: null (a sandboxed frame, a file: page) is refused on %s %s", async (method, route) => {
      const res = await raw(
        port,
        method,
        route,
        { ...own, origin: "null", ...JSON_TYPE },
        method === "GET" ? undefined : SEARCH,
      );
      expect(res.status, res.text).toBe(403);
      expectRefusal(res, "forbidden_origin");
      expect(JSON.stringify(res.json.error)).toContain("Origin: null");
    });

    it("Origin: null stays refused even when GROUNDED_CORS_ORIGIN lists it", async () => {
      const p = await serve({ GROUNDED_CORS_ORIGIN: "null" });
      const res = await raw(
        p,
        "POST",
        "/api/search",
        { host: `127.0.0.1:${p}`, origin: "null", ...JSON_TYPE },
        SEARCH,
      );
      expect(res.status).toBe(403);
    });

    it("a page on another loopback name is another origin", async () => {
      const res = await raw(
        port,
        "POST",
        "/api/search",
        { ...own, origin: `http://localhost:${port}`, ...JSON_TYPE },
        SEARCH,
      );
      expect(res.status).toBe(403);
    });

    it("an origin in GROUNDED_CORS_ORIGIN is let in, with CORS headers", async () => {
      const p = await serve({ GROUNDED_CORS_ORIGIN: "https://intranet.example" });
      const res = await raw(
        p,
        "POST",
        "/api/search",
        { host: `127.0.0.1:${p}`, origin: "https://intranet.example", ...JSON_TYPE },
        SEARCH,
      );
      expect(res.status).toBe(200);
      expect(res.headers["access-control-allow-origin"]).toBe("https://intranet.example");
      const other = await raw(
        p,
        "POST",
        "/api/search",
        { host: `127.0.0.1:${p}`, origin: "https://evil.example", ...JSON_TYPE },
        SEARCH,
      );
      expect(other.status).toBe(403);
    });
  });

  describe("what keeps working", () => {
    it.each([
      ["127.0.0.1", (p: number) => `http://127.0.0.1:${p}`],
      ["localhost", (p: number) => `http://localhost:${p}`],
      ["[::1]", (p: number) => `http://[::1]:${p}`],
    ])("the web page's own requests at %s (same origin)", async (_name, origin) => {
      const host = new URL(origin(port)).host;
      const headers = { host, origin: origin(port), ...JSON_TYPE };
      const search = await raw(port, "POST", "/api/search", headers, SEARCH);
      expect(search.status).toBe(200);
      expect(search.text).toMatch(/citric/i);
      const page = await raw(port, "GET", "/", { host, accept: "text/html" });
      expect(page.status).toBe(200);
    });

    it("clients that send no Origin: curl, the Ollama and OpenAI libraries", async () => {
      const base = `http://127.0.0.1:${port}`;
      const search = await fetch(`${base}/api/search`, { method: "POST", headers: JSON_TYPE, body: SEARCH });
      expect(search.status).toBe(200);
      // Ollama's clients post without a content type, as `curl -d` does.
      const chat = await raw(port, "POST", "/api/chat", own, CHAT);
      expect(chat.status).toBe(200);
      expect(chat.json.message.content.length).toBeGreaterThan(0);
      const openai = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: JSON_TYPE,
        body: CHAT,
      });
      expect(openai.status).toBe(200);
      expect((await fetch(`${base}/api/tags`)).status).toBe(200);
    });
  });
});
