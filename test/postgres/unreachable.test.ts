import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, type RunningService, startService } from "../helpers/app.js";
import { freshDatabase, noPostgres, type TestDatabase } from "../helpers/postgres.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/** A TCP relay to the database server that can be cut and restored, as a network or a restart would. */
function relay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;
  let port = 0;
  const open = () =>
    new Promise<void>((resolve) => {
      const listening = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on("close", () => sockets.delete(s));
          s.on("error", () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      server = listening;
      listening.listen(port, "127.0.0.1", () => {
        port = (listening.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const cut = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server?.close(() => resolve());
    });
  return { open, cut, url: (db: string) => Object.assign(new URL(db), { host: `127.0.0.1:${port}` }).href };
}

describe.skipIf(noPostgres)("a PostgreSQL index that cannot be reached", () => {
  let db: TestDatabase;
  let ollama: OllamaStandIn;
  let service: RunningService;
  let link: ReturnType<typeof relay>;

  beforeAll(async () => {
    db = await freshDatabase();
    ollama = await startOllamaStandIn();
    link = relay(new URL(db.url));
    await link.open();
    service = await startService({ OLLAMA_HOST: ollama.url, GROUNDED_DB: link.url(db.url) });
  });
  afterAll(async () => {
    await link?.cut();
    await service?.close();
    await ollama?.close();
    await db?.drop();
  });

  it("answers 503 index_unavailable in words while it is gone, and works again when it is back", async () => {
    expect((await postJson(`${service.url}/api/search`, { query: "kettle" })).status).toBe(200);
    await link.cut();
    const down = await postJson(`${service.url}/api/search`, { query: "kettle" });
    expect(down.status).toBe(503);
    expect(down.json.error.code).toBe("index_unavailable");
    expect(down.json.error.message).toMatch(/cannot be reached .*Check that the server is running/);
    expect(down.json.error.message).not.toMatch(/:grounded@/);
    await link.open();
    expect((await postJson(`${service.url}/api/search`, { query: "kettle" })).status).toBe(200);
  });

  it("a server that cannot reach it at start says so", async () => {
    await expect(
      startService({ OLLAMA_HOST: ollama.url, GROUNDED_DB: "postgres://grounded:secret@127.0.0.1:1/none" }),
    ).rejects.toThrow(
      /Cannot connect to the PostgreSQL index postgres:\/\/grounded:\*\*\*@127\.0\.0\.1:1\/none/,
    );
  });
});
