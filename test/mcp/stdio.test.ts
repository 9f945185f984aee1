import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/app.js";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { tempDir } from "../helpers/tmp.js";
import { startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import {
  expectAnswerCitingTheKettleManual,
  expectDocumentResources,
  expectSearchFindingThePdfPage,
  expectTools,
  expectValidationErrors,
  structured,
  textOf,
} from "./mcp-checks.js";

const ROOT = path.join(import.meta.dirname, "..", "..");

interface Child {
  client: Client;
  transport: StdioClientTransport;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Everything the client could not read as a protocol message on stdout (anything else written there). */
  protocolErrors: Error[];
}

/** `grounded mcp` as an MCP client launches it: a child process, with only the environment it is given. */
async function launch(env: Record<string, string>): Promise<Child> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["--import", "tsx", path.join(ROOT, "cli", "main.ts"), "mcp"],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  const protocolErrors: Error[] = [];
  const client = new Client({ name: "grounded-test", version: "1.0.0" });
  client.onerror = (e) => protocolErrors.push(e);
  await client.connect(transport);
  return { client, transport, stderr: () => stderr, protocolErrors };
}

describe("grounded mcp: MCP over stdio, launched as a client launches it", () => {
  let service: IndexedService;
  let child: Child;

  beforeAll(async () => {
    // The index (and the stand-in Ollama) the child serves; the HTTP service beside it words errors for comparison.
    service = await startIndexedService();
    child = await launch(service.env);
  }, 60_000);
  afterAll(async () => {
    await child?.client.close();
    await service?.close();
  });

  it("lists the tools; says where it is on stderr, and writes nothing but protocol to stdout", async () => {
    await expectTools(child.client);
    expect(child.stderr()).toContain("MCP on stdin/stdout");
    expect(child.stderr()).toContain("answers generative");
    expect(child.protocolErrors).toEqual([]);
  });

  it("answers a question citing the right file", async () => {
    const answer = await expectAnswerCitingTheKettleManual(child.client);
    expect(answer.mode).toBe("generative");
  });

  it("searches to the PDF page", async () => {
    await expectSearchFindingThePdfPage(child.client);
  });

  it("lists and reads the documents as resources", async () => {
    await expectDocumentResources(child.client);
  });

  it("refuses bad input as a tool error", async () => {
    await expectValidationErrors(child.client);
  });

  it("a failing chat model is a tool error worded as /api/ask words it, and the process goes on", async () => {
    const question = "How long is the warranty?";
    try {
      service.ollama.failNext({ path: "/api/chat", status: 503, error: "server busy", count: 4 });
      const api = await postJson(`${service.url}/api/ask`, { question });
      expect(api.json.error.code).toBe("ollama_busy");
      service.ollama.reset();
      service.ollama.failNext({ path: "/api/chat", status: 503, error: "server busy", count: 4 });
      const busy = await child.client.callTool({ name: "ask_documents", arguments: { question } });
      expect(busy.isError).toBe(true);
      expect(textOf(busy)).toBe(api.json.error.message);
    } finally {
      service.ollama.reset();
    }
    const again = await child.client.callTool({ name: "ask_documents", arguments: { question } });
    expect(structured(again).citations[0].source).toBe("manuals/kettle.md");
    expect(child.protocolErrors).toEqual([]);
  });

  it("without Ollama: the warning goes to stderr, stdout stays protocol, answers are extractive", async () => {
    const gone = await startOllamaStandIn();
    await gone.close();
    const offline = await launch({ ...service.env, OLLAMA_HOST: gone.url });
    try {
      expect(offline.stderr()).toContain(`Ollama is not reachable at ${gone.url}`);
      const answer = await expectAnswerCitingTheKettleManual(offline.client);
      expect(answer).toMatchObject({ mode: "extractive", model: null });
      expect(offline.protocolErrors).toEqual([]);
    } finally {
      await offline.client.close();
    }
  }, 30_000);

  it("pointed at an empty index, says so on stderr and to the model", async () => {
    const tmp = tempDir();
    const empty = await launch({ ...service.env, GROUNDED_DB: path.join(tmp.dir, "empty.db") });
    try {
      expect(empty.stderr()).toContain("holds no documents: give the index with --db <file>");
      const listed = await empty.client.callTool({ name: "list_documents", arguments: {} });
      expect(structured(listed).documents).toEqual([]);
      expect(textOf(listed)).toContain("No documents are indexed yet");
    } finally {
      await empty.client.close();
      tmp.cleanup();
    }
  }, 30_000);

  it("exits on its own when the client closes its stdin", async () => {
    const leaving = await launch(service.env);
    const pid = leaving.transport.pid as number;
    const started = Date.now();
    await leaving.client.close();
    // The SDK's client waits 2 s for the process before it sends SIGTERM: grounded was gone before that.
    expect(Date.now() - started).toBeLessThan(1900);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(leaving.stderr()).not.toMatch(/error/i);
  }, 30_000);
});
