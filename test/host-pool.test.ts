import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  HostsDisagreeError,
  ModelNotFoundError,
  OllamaError,
  OllamaHostsFailedError,
  OllamaUnavailableError,
} from "../src/errors.js";
import { createOllamaClient } from "../src/ollama/client.js";
import { createHostPool, type HostPool } from "../src/ollama/host-pool.js";
import type { OllamaChatChunk } from "../src/ollama/wire.js";
import { closedPortUrl } from "./helpers/closed-port.js";
import { until } from "./helpers/until.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

/** The host pool against two stand-in Ollamas on real ports, through the same client a real Ollama gets. */
let a: OllamaStandIn;
let b: OllamaStandIn;
beforeAll(async () => {
  [a, b] = await Promise.all([startOllamaStandIn(), startOllamaStandIn()]);
});
afterEach(() => {
  a.reset();
  b.reset();
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const pool = (hosts: string[], retryBaseMs = 20): HostPool =>
  createHostPool({ ollamaHosts: hosts, ollamaTimeoutMs: 5000, retryBaseMs });
const embeds = (s: OllamaStandIn) => s.requestsTo("/api/embed").length;
const chats = (s: OllamaStandIn) => s.requestsTo("/api/chat").length;
const embed = (p: HostPool, input = ["descale the kettle"]) => p.embed({ model: "bge-m3", input });
const prompt = [{ role: "user", content: "[1] Cats sleep for most of the day.\n\nHow long do cats sleep?" }];

async function collect(stream: AsyncIterable<OllamaChatChunk>): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.message?.content ?? "";
  return text;
}

describe("host pool: routing", () => {
  it("sends each request to the host with the fewest in flight (the first on a tie)", async () => {
    const p = pool([a.url, b.url]);
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([1, 0]);
    a.delayMs = 300;
    const slow = embed(p);
    await until("the first request to reach a", () => embeds(a) === 2);
    expect(p.state().map((h) => h.inFlight)).toEqual([1, 0]);
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([2, 1]);
    await slow;
    expect(p.state().map((h) => h.inFlight)).toEqual([0, 0]);
  });

  it("returns the same vectors whichever host answers", async () => {
    const p = pool([a.url, b.url]);
    a.delayMs = 200;
    const [fromA, fromB] = await Promise.all([embed(p), embed(p)]);
    expect([embeds(a), embeds(b)]).toEqual([1, 1]);
    expect(fromB.embeddings).toEqual(fromA.embeddings);
  });

  it("one host: a pool is that host's client, errors and all", async () => {
    const down = await closedPortUrl();
    const fromPool = await embed(pool([down])).catch((e: unknown) => e);
    const fromClient = await createOllamaClient({ host: down, timeoutMs: 5000 })
      .embed({ model: "bge-m3", input: ["x"] })
      .catch((e: unknown) => e);
    expect(fromPool).toBeInstanceOf(OllamaUnavailableError);
    expect(fromPool).not.toBeInstanceOf(OllamaHostsFailedError);
    expect((fromPool as Error).message).toBe((fromClient as Error).message);
    a.models.delete("bge-m3:latest");
    const missing = await embed(pool([a.url])).catch((e: unknown) => e);
    expect((missing as Error).message).toBe(
      `Ollama at ${a.url} does not have the model "bge-m3". Run \`ollama pull bge-m3\` and try again.`,
    );
  });
});

describe("host pool: a host that fails", () => {
  it("a 503 is retried on the other host at once, and the host that failed rests, then gets work again", async () => {
    const p = pool([a.url, b.url], 200);
    a.failNext({ path: "/api/embed", status: 503, error: "server busy, please try again." });
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([1, 1]);
    const [restingA] = p.state();
    expect(restingA?.restingMs).toBeGreaterThan(0);
    expect(restingA?.lastError).toContain("answered 503");
    // While a rests, b takes the work though a has nothing in flight.
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([1, 2]);
    await until("a's rest to end", () => p.state()[0]?.restingMs === 0, 5000);
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([2, 2]);
    expect(p.state()[0]?.lastError).toBeNull();
  });

  it("a refused connection and a silent host are retried on the other host", async () => {
    const down = await closedPortUrl();
    const refused = pool([down, b.url]);
    await embed(refused);
    expect(embeds(b)).toBe(1);
    expect(refused.state()[0]?.lastError).toContain(`Cannot reach Ollama at ${down}`);

    a.hang = true;
    const silent = createHostPool({ ollamaHosts: [a.url, b.url], ollamaTimeoutMs: 300, retryBaseMs: 20 });
    await embed(silent);
    expect([embeds(a), embeds(b)]).toEqual([1, 2]);
    expect(silent.state()[0]?.lastError).toMatch(/did not answer POST \/api\/embed within 300 ms/);
  });

  it("a bad request is not sent to another host: it would fail there too", async () => {
    a.failNext({ path: "/api/embed", status: 400, error: "invalid input type" });
    const error = await embed(pool([a.url, b.url])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OllamaError);
    expect((error as OllamaError).upstreamStatus).toBe(400);
    expect(embeds(b)).toBe(0);
  });

  it("every host down: one error that names each host, what it said and what to do", async () => {
    const down = await closedPortUrl();
    b.failNext({
      path: "/api/embed",
      status: 500,
      error: "llama runner process has terminated: signal: killed",
    });
    const error = await embed(pool([down, b.url])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OllamaHostsFailedError);
    expect(error).toBeInstanceOf(OllamaUnavailableError);
    expect((error as Error).message).toBe(
      `Every Ollama host failed POST /api/embed for "bge-m3": ${down} cannot be reached (ECONNREFUSED); ` +
        `${b.url} answered 500: llama runner process has terminated: signal: killed. To fix it, start Ollama ` +
        "where it is down (`ollama serve`) or remove those hosts from OLLAMA_HOST / --ollama-host; or try again " +
        "in a moment (a host's log says why it failed).",
    );
  });
});

describe("host pool: a model one host lacks", () => {
  it("a 404 sends the model's work to the host that has it, and the host without it is passed over", async () => {
    a.models.delete("bge-m3:latest");
    const p = pool([a.url, b.url]);
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([1, 1]);
    await embed(p);
    await embed(p);
    expect([embeds(a), embeds(b)]).toEqual([1, 3]);
    // The 404 is about that model only: a still gets other work.
    await p.show("gemma4:e4b");
    expect(a.requestsTo("/api/show")).toHaveLength(1);
    expect(p.state()[0]?.restingMs).toBe(0);
  });

  it("no host has it: a ModelNotFoundError naming every host and the pull", async () => {
    a.models.delete("bge-m3:latest");
    b.models.delete("bge-m3:latest");
    const error = await embed(pool([a.url, b.url])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toBe(
      `None of the Ollama hosts (${a.url}, ${b.url}) has the model "bge-m3". Run \`ollama pull bge-m3\` on each of them (OLLAMA_HOST=${a.url} ollama pull bge-m3, and so on) and try again.`,
    );
  });

  it("one host lacks it and the other is down: both reasons, and the pull among what to do", async () => {
    a.models.delete("bge-m3:latest");
    const down = await closedPortUrl();
    const error = await embed(pool([a.url, down])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OllamaHostsFailedError);
    expect((error as Error).message).toContain(
      `${a.url} does not have the model "bge-m3"; ${down} cannot be reached`,
    );
    expect((error as Error).message).toContain("`ollama pull <model>` there");
  });

  it("two hosts whose vectors differ in width do not serve the same model: a clear error, not a mixed index", async () => {
    b.models.set("bge-m3:latest", { name: "bge-m3", kind: "embedding", dims: 768 });
    const p = pool([a.url, b.url]);
    a.delayMs = 200;
    const results = await Promise.allSettled([embed(p), embed(p)]);
    const failure = results.find((r) => r.status === "rejected");
    expect(failure?.status).toBe("rejected");
    const error = (failure as PromiseRejectedResult).reason;
    expect(error).toBeInstanceOf(HostsDisagreeError);
    expect((error as Error).message).toContain(
      `serve different models under the name "bge-m3": ${b.url} returns 768-dimension vectors, ${a.url} 1024`,
    );
  });
});

describe("host pool: chat", () => {
  it("goes to the least busy host", async () => {
    const p = pool([a.url, b.url]);
    a.delayMs = 400;
    const first = collect(p.chat({ model: "gemma4:e4b", messages: prompt }));
    await until("the first chat to reach a", () => chats(a) === 1);
    expect(await collect(p.chat({ model: "gemma4:e4b", messages: prompt }))).toContain("Cats sleep");
    expect([chats(a), chats(b)]).toEqual([1, 1]);
    expect(await first).toContain("Cats sleep");
  });

  it("a host without the chat model or failing before the first chunk hands the chat to the other", async () => {
    a.models.delete("gemma4:e4b");
    const p = pool([a.url, b.url]);
    expect(await collect(p.chat({ model: "gemma4:e4b", messages: prompt }))).toContain("Cats sleep");
    expect(await collect(p.chat({ model: "gemma4:e4b", messages: prompt }))).toContain("Cats sleep");
    expect([chats(a), chats(b)]).toEqual([1, 2]);

    a.reset();
    b.reset();
    a.failNext({ path: "/api/chat", status: 500, error: "llama runner process has terminated" });
    expect(await collect(pool([a.url, b.url]).chat({ model: "gemma4:e4b", messages: prompt }))).toContain(
      "Cats sleep",
    );
    expect([chats(a), chats(b)]).toEqual([1, 1]);
  });

  it("a stream that breaks after its first chunk is not sent again: the answer was under way", async () => {
    a.failMidStream({ error: "llama runner process has terminated: exit status 2", afterChunks: 2 });
    const p = pool([a.url, b.url]);
    const error = await collect(p.chat({ model: "gemma4:e4b", messages: prompt })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OllamaError);
    expect([chats(a), chats(b)]).toEqual([1, 0]);
    expect(p.state().map((h) => h.inFlight)).toEqual([0, 0]);
    expect(p.state()[0]?.restingMs).toBeGreaterThan(0);
  });
});

describe("host pool: asking every host", () => {
  it("version and tags answer when any host does; probe tells each host apart", async () => {
    const down = await closedPortUrl();
    b.models.set("qwen3:latest", { name: "qwen3", kind: "chat", thinking: true });
    const p = pool([down, b.url]);
    expect((await p.version()).version).toBe("0.12.6");
    expect((await p.tags()).models.map((m) => m.name)).toContain("qwen3:latest");
    expect(await p.probe()).toEqual([
      { host: down, reachable: false, version: null, inFlight: 0, restingMs: 0, lastError: null },
      { host: b.url, reachable: true, version: "0.12.6", inFlight: 0, restingMs: 0, lastError: null },
    ]);
    // The first answer is enough: a silent host (a minute of timeout here) does not hold up the version.
    a.hang = true;
    const stop = new AbortController();
    const patient = createHostPool({ ollamaHosts: [a.url, b.url], ollamaTimeoutMs: 60_000, retryBaseMs: 20 });
    const held = new Promise((resolve) => setTimeout(() => resolve("held up by the silent host"), 20_000));
    expect(await Promise.race([patient.version({ signal: stop.signal }), held])).toEqual({
      version: "0.12.6",
    });
    stop.abort();
    const none = await pool([down, await closedPortUrl()])
      .version()
      .catch((e: unknown) => e);
    expect(none).toBeInstanceOf(OllamaHostsFailedError);
  });
});
