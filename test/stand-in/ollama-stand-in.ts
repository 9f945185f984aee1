import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import {
  type HandlerState,
  handleChat,
  handleEmbed,
  handleLegacyEmbeddings,
  handlePull,
  handleShow,
  type MidStreamFault,
  sendError,
  sendJson,
} from "./handlers.js";
import {
  canonicalName,
  DEFAULT_STAND_IN_MODELS,
  PULLABLE_STAND_IN_MODELS,
  psEntry,
  type StandInModel,
  tagsEntry,
} from "./models.js";
import { echoQuestion, type ReplyMessage, type ReplyMode } from "./stand-in-reply.js";

/**
 * A stand-in Ollama on a real port that speaks the wire protocol of docs/ollama.md: the same endpoints, status
 * codes and error bodies, NDJSON streams cut at awkward byte positions, and lexical embeddings and
 * source-quoting answers that tests can predict. Tests steer it through the returned object.
 */
export { DEFAULT_STAND_IN_MODELS, type MidStreamFault, PULLABLE_STAND_IN_MODELS, type StandInModel };

export interface StandInOptions {
  /** Models present from the start (default DEFAULT_STAND_IN_MODELS). */
  models?: readonly StandInModel[];
  /** Models /api/pull can fetch (default PULLABLE_STAND_IN_MODELS). */
  pullable?: readonly StandInModel[];
  host?: string;
  port?: number;
  version?: string;
  /** Pause between the awkward writes of a stream (default 1 ms). */
  writeDelayMs?: number;
  /** How the chat model answers (stand-in-reply.ts): default "answer". */
  replyMode?: ReplyMode;
}

export interface RecordedRequest {
  method: string;
  path: string;
  /** The parsed JSON body, the raw text if it was not JSON, or undefined if there was none. */
  body: unknown;
  at: number;
}

export interface FailNextOptions {
  path: string;
  status: number;
  /** Sent as `{"error": ...}`. */
  error?: string;
  /** Sent as a plain-text body instead (e.g. `404 page not found`). */
  text?: string;
  /** How many requests to fail (default 1). */
  count?: number;
}

export interface OllamaStandIn {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests whose client hung up before the whole answer was sent (a cancelled stream, say). */
  readonly abandoned: RecordedRequest[];
  /** Canonical name (`bge-m3:latest`) → model; add or delete entries freely. */
  readonly models: Map<string, StandInModel>;
  /** Wait before answering each request. */
  delayMs: number;
  /** Extra wait before answering each /api/chat request (after delayMs), like a model reading its prompt. */
  chatDelayMs: number;
  /**
   * The chat model's reply to a conversation when this returns text (a test telling it what to say, e.g. a
   * rewritten question); otherwise it answers from the sources as usual. Cleared by reset().
   */
  reply: ((messages: ReplyMessage[]) => string | undefined) | undefined;
  /** Extra wait per /api/embed input, like a slow model working through a batch. */
  perInputDelayMs: number;
  /** Read requests but never answer, not even headers. */
  hang: boolean;
  /** Answer the next matching request(s) with an error status before any chunk. */
  failNext(options: FailNextOptions): void;
  /** Break the next chat stream after some chunks. */
  failMidStream(fault?: MidStreamFault): void;
  requestsTo(path: string): RecordedRequest[];
  /** Back to the state after start: models, no faults, no delays, no recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** Go's encoding/json wording, which is what Ollama returns for a malformed body. */
function goJsonError(raw: string): string {
  const first = raw.trimStart()[0] ?? "";
  return /[{["tfn\d-]/.test(first)
    ? "unexpected EOF"
    : `invalid character '${first}' looking for beginning of value`;
}

function toMap(models: readonly StandInModel[]): Map<string, StandInModel> {
  return new Map(models.map((m) => [canonicalName(m.name), { ...m }]));
}

export async function startOllamaStandIn(options: StandInOptions = {}): Promise<OllamaStandIn> {
  const initialModels = options.models ?? DEFAULT_STAND_IN_MODELS;
  const requests: RecordedRequest[] = [];
  const abandoned: RecordedRequest[] = [];
  let faults: FailNextOptions[] = [];
  let midStream: MidStreamFault[] = [];
  let seed = 1;
  const state: HandlerState = {
    models: toMap(initialModels),
    pullable: toMap(options.pullable ?? PULLABLE_STAND_IN_MODELS),
    loaded: new Map(),
    perInputDelayMs: 0,
    writeDelayMs: options.writeDelayMs ?? 1,
    replyMode: options.replyMode ?? "answer",
    reply: undefined,
    chatDelayMs: 0,
    takeMidStreamFault: () => midStream.shift(),
    nextSeed: () => seed++,
  };

  const control = { delayMs: 0, hang: false };

  function takeFault(path: string): FailNextOptions | undefined {
    const fault = faults.find((f) => f.path === path && (f.count ?? 1) > 0);
    if (fault) fault.count = (fault.count ?? 1) - 1;
    faults = faults.filter((f) => (f.count ?? 1) > 0);
    return fault;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    const raw = await readBody(req);
    let body: unknown;
    let badJson = false;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      [body, badJson] = [raw, true];
    }
    requests.push({ method, path, body, at: Date.now() });
    if (control.hang) return;
    if (control.delayMs > 0) await sleep(control.delayMs);
    const fault = takeFault(path);
    if (fault) {
      if (fault.text === undefined) return sendError(res, fault.status, fault.error ?? "injected fault");
      res.writeHead(fault.status, { "content-type": "text/plain; charset=utf-8" });
      return void res.end(fault.text);
    }

    if ((method === "GET" || method === "HEAD") && path === "/") {
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
      return void res.end(method === "HEAD" ? undefined : "Ollama is running");
    }
    if (method === "GET" && path === "/api/version")
      return sendJson(res, 200, { version: options.version ?? "0.12.6" });
    if (method === "GET" && path === "/api/tags") {
      return sendJson(res, 200, { models: [...state.models.values()].map(tagsEntry) });
    }
    if (method === "GET" && path === "/api/ps") {
      const now = Date.now();
      const running = [...state.loaded].filter(([name, until]) => until > now && state.models.has(name));
      return sendJson(res, 200, {
        models: running.map(([name, until]) =>
          psEntry(state.models.get(name) as StandInModel, new Date(until)),
        ),
      });
    }
    const handlers: Record<
      string,
      (s: HandlerState, b: Record<string, unknown>, r: ServerResponse) => unknown
    > = {
      "/api/show": handleShow,
      "/api/embed": handleEmbed,
      "/api/embeddings": handleLegacyEmbeddings,
      "/api/chat": handleChat,
      "/api/pull": handlePull,
    };
    const handler = method === "POST" ? handlers[path] : undefined;
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" });
      return void res.end("404 page not found");
    }
    if (raw.trim() === "") return sendError(res, 400, "missing request body");
    if (badJson || typeof body !== "object" || body === null) return sendError(res, 400, goJsonError(raw));
    await handler(state, body as Record<string, unknown>, res);
  }

  const server = createServer((req, res) => {
    res.on("error", () => {}); // The client may hang up mid-stream; that is a test's business, not ours.
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    res.on("close", () => {
      if (!res.writableFinished)
        abandoned.push({ method: req.method ?? "GET", path, body: undefined, at: Date.now() });
    });
    route(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(e));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = (options.host ?? "127.0.0.1").includes(":")
    ? `[${options.host}]`
    : (options.host ?? "127.0.0.1");

  return {
    url: `http://${hostPart}:${port}`,
    port,
    requests,
    abandoned,
    models: state.models,
    get delayMs() {
      return control.delayMs;
    },
    set delayMs(v: number) {
      control.delayMs = v;
    },
    get chatDelayMs() {
      return state.chatDelayMs;
    },
    set chatDelayMs(v: number) {
      state.chatDelayMs = v;
    },
    get reply() {
      return state.reply;
    },
    set reply(v) {
      state.reply = v;
    },
    get perInputDelayMs() {
      return state.perInputDelayMs;
    },
    set perInputDelayMs(v: number) {
      state.perInputDelayMs = v;
    },
    get hang() {
      return control.hang;
    },
    set hang(v: boolean) {
      control.hang = v;
    },
    failNext: (fault) => void faults.push({ ...fault }),
    failMidStream: (fault = { error: "llama runner process has terminated: exit status 2" }) =>
      void midStream.push({ ...fault }),
    requestsTo: (path) => requests.filter((r) => r.path === path),
    reset() {
      requests.length = 0;
      abandoned.length = 0;
      faults = [];
      midStream = [];
      Object.assign(control, { delayMs: 0, hang: false });
      state.perInputDelayMs = 0;
      state.chatDelayMs = 0;
      state.reply = undefined;
      state.loaded.clear();
      state.models.clear();
      for (const [name, model] of toMap(initialModels)) state.models.set(name, model);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

/**
 * `npx tsx test/stand-in/ollama-stand-in.ts --port 11434 [--host 127.0.0.1] [--reply add-foreign|change-number]
 * [--rewrite echo] [--chat-delay MS]`: `--rewrite echo` answers a prompt without sources (a rewrite request)
 * with its question unchanged; `--chat-delay` waits that long before each chat answer.
 */
async function main(args: string[]): Promise<void> {
  const standIn = await startOllamaStandIn({
    port: Number(argValue(args, "--port") ?? 11434),
    host: argValue(args, "--host") ?? "127.0.0.1",
    replyMode: (argValue(args, "--reply") as ReplyMode | undefined) ?? "answer",
  });
  const rewrite = argValue(args, "--rewrite");
  if (rewrite !== undefined && rewrite !== "echo")
    throw new Error(`--rewrite ${rewrite}: the stand-in knows only echo`);
  if (rewrite === "echo") standIn.reply = echoQuestion;
  standIn.chatDelayMs = Number(argValue(args, "--chat-delay") ?? 0);
  const names = [...standIn.models.keys()].join(", ");
  process.stdout.write(`Ollama stand-in listening on ${standIn.url} with ${names}\n`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
