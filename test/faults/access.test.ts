import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/server/app.js";
import { apiOf } from "../../src/server/compat/error-shapes.js";
import { listen } from "../../src/server/listen.js";
import { createService, type Service } from "../../src/service/service.js";
import { cli, type RunningService, startService } from "../helpers/app.js";
import { writeCorpus } from "../helpers/corpus.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/**
 * Who can reach the service: loopback by default, a bearer key for /api/*, no CORS unless asked for.
 * Host and Origin checks (DNS rebinding, cross-site posts) are in host-origin.test.ts.
 */
describe("access", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  let runtime: Service;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    writeCorpus(path.join(tmp.dir, "docs"));
    env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index.db") };
    expect((await cli(["ingest", path.join(tmp.dir, "docs")], env)).code).toBe(0);
    runtime = await createService(loadConfig(env));
  });
  afterAll(async () => {
    runtime?.close();
    await ollama?.close();
    tmp?.cleanup();
  });

  function appWith(extra: Record<string, string>) {
    const config = loadConfig({ ...env, ...extra });
    return createApp({
      ...runtime,
      config,
      version: "test",
      probeOllama: async () => ({ reachable: true, version: "test" }),
    });
  }

  it("listens on loopback by default", async () => {
    expect(loadConfig({}).host).toBe("127.0.0.1");
    const service: RunningService = await startService(env);
    try {
      expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await service.close();
    }
  });

  describe("with GROUNDED_API_KEY", () => {
    const key = "s3cret-key-for-tests";
    const app = () => appWith({ GROUNDED_API_KEY: key });
    /** Every route under /api/ that the app registers, with a sample path for its parameters. */
    const apiRoutes = () =>
      appWith({ GROUNDED_API_KEY: key })
        .routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/"))
        .map((r) => ({ method: r.method, path: r.path.replace(/:\w+(\{[^}]+\})?/g, "1") }));

    it("knows a good number of /api routes to try", () => {
      const routes = apiRoutes().map((r) => `${r.method} ${r.path}`);
      expect(routes).toEqual(
        expect.arrayContaining([
          "POST /api/ask",
          "POST /api/search",
          "GET /api/documents",
          "DELETE /api/documents/1",
        ]),
      );
      expect(routes.length).toBeGreaterThanOrEqual(8);
    });

    it("every /api route refuses a request without the key, or with a wrong one, with 401", async () => {
      const a = app();
      for (const route of apiRoutes()) {
        for (const auth of [undefined, "Bearer wrong-key", `Basic ${btoa(`user:${key}`)}`, key]) {
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (auth) headers.authorization = auth;
          const res = await a.request(route.path, {
            method: route.method,
            headers,
            body: route.method === "GET" ? undefined : "{}",
          });
          // A header in another scheme is a malformed request (RFC 6750: 400); a missing or wrong key is 401.
          const malformed = auth !== undefined && !auth.startsWith("Bearer ");
          expect(res.status, `${route.method} ${route.path} with ${auth}`).toBe(malformed ? 400 : 401);
          expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
          const body = (await res.json()) as Record<string, any>;
          // Ollama's routes answer in Ollama's shape ({"error": "<message>"}) so its clients can print it.
          const ollamaRoute = apiOf(route.path) === "ollama";
          if (!ollamaRoute) expect(body.error.code).toBe("unauthorized");
          expect(ollamaRoute ? body.error : body.error.message).toMatch(
            /Authorization: Bearer <key>.*GROUNDED_API_KEY|GROUNDED_API_KEY.*Bearer/,
          );
        }
      }
      // Documents were not touched by the unauthenticated DELETE.
      expect((await runtime.store.counts()).documents).toBe(4);
    });

    it("the right key gets through", async () => {
      const res = await app().request("/api/search", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: "kettle warranty" }),
      });
      expect(res.status).toBe(200);
      const docs = await app().request("/api/documents", { headers: { authorization: `Bearer ${key}` } });
      expect(((await docs.json()) as Record<string, any>).documents).toHaveLength(4);
    });
  });

  describe("binding to a non-loopback address", () => {
    it("is refused without an API key, with the settings that fix it", async () => {
      const r = await cli(["serve", "--host", "0.0.0.0", "--port", "0"], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without an API key/);
      expect(r.stderr).toMatch(/GROUNDED_API_KEY/);
      expect(r.stderr).toMatch(/GROUNDED_ALLOW_INSECURE=1/);
    });

    it.each([
      ["an API key", { GROUNDED_API_KEY: "k" }],
      ["GROUNDED_ALLOW_INSECURE=1", { GROUNDED_ALLOW_INSECURE: "1" }],
    ])("starts with %s", async (_what, extra) => {
      const config = loadConfig({ ...env, ...extra, GROUNDED_HOST: "0.0.0.0", GROUNDED_PORT: "0" });
      const server = await listen(appWith(extra), config);
      try {
        expect(server.port).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    });
  });

  describe("CORS", () => {
    const preflight = (app: ReturnType<typeof appWith>, origin: string) =>
      app.request("/api/search", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });

    it("sends no CORS headers unless GROUNDED_CORS_ORIGIN is set", async () => {
      const app = appWith({});
      const pre = await preflight(app, "https://evil.example");
      expect(pre.headers.get("access-control-allow-origin")).toBeNull();
      // Without CORS another site's page cannot read the answer, and the Origin check refuses it anyway.
      const res = await app.request("/api/documents", { headers: { origin: "https://evil.example" } });
      expect(res.status).toBe(403);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("allows only the configured origin", async () => {
      const app = appWith({ GROUNDED_CORS_ORIGIN: "https://intranet.example" });
      const ok = await preflight(app, "https://intranet.example");
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://intranet.example");
      const other = await preflight(app, "https://evil.example");
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
});
