import os from "node:os";
import path from "node:path";
import { commandForm } from "./cli-name.js";
import { ConfigError } from "./errors.js";
import { isPostgresUrl } from "./index-location.js";
import { parseOllamaHosts } from "./ollama/host.js";
import { resolveUserPath } from "./user-path.js";

/** Everything grounded can be told, loaded once at start-up and passed in. */
export interface Config {
  /** The first host of OLLAMA_HOST: the one named where a single address is wanted (messages, `pull`). */
  readonly ollamaHost: string;
  /** Every host of OLLAMA_HOST, in order (src/ollama/host-pool.ts spreads the work over them). */
  readonly ollamaHosts: readonly string[];
  /** The index: a SQLite file (absolute path), or a PostgreSQL database (`postgres://…` URL, as given). */
  readonly db: string;
  /** Where uploaded files are kept (GROUNDED_UPLOADS): `uploads/` beside a SQLite index, `data/uploads` for PostgreSQL. */
  readonly uploadsDir: string;
  /** An Ollama embedding model, or "builtin" for the offline lexical embedder. */
  readonly embedModel: string;
  /** An Ollama chat model, or "none" for extractive answers. */
  readonly chatModel: string;
  readonly host: string;
  readonly port: number;
  /** Milliseconds to wait for Ollama's response headers (model load + a whole embedding batch). */
  readonly ollamaTimeoutMs: number;
  readonly embedBatchSize: number;
  /** `/api/embed` requests in flight per Ollama host (an ingest keeps this times the hosts in flight). */
  readonly embedConcurrency: number;
  /** Extra tries for a transient Ollama fault while embedding, and the first backoff step (ms). */
  readonly embedRetries: number;
  readonly retryBaseMs: number;
  /** Target chunk size in estimated tokens (never above the embedding model's context). */
  readonly chunkTokens: number;
  readonly chunkOverlapTokens: number;
  readonly think: boolean;
  /**
   * Rewrite a follow-up into a standalone question with the chat model before searching: "auto" = when a
   * chat model answers and the request has history; "off" = never (the folded conversation only).
   */
  readonly rewrite: RewriteMode;
  /** The longest a rewrite may take, waiting for the chat model included, before the search goes on without it. */
  readonly rewriteTimeoutMs: number;
  readonly keepAlive: string | undefined;
  /** Largest file ingest will read, in bytes. */
  readonly maxFileBytes: number;
  readonly apiKey: string | undefined;
  readonly allowInsecure: boolean;
  readonly corsOrigin: string | undefined;
  /** Append a note to answers of the Ollama- and OpenAI-compatible APIs naming sentences their sources do not support. */
  readonly flagUnsupported: boolean;
  /**
   * Host names (lower case, optionally `name:port`) accepted besides the addresses the server listens on,
   * e.g. a reverse proxy's public name; `*` accepts any Host (host-origin.ts).
   */
  readonly allowedHosts: readonly string[];
  /** Questions sent to the chat model at the same time, and how many may wait. */
  readonly chatConcurrency: number;
  readonly chatQueue: number;
  /** Uploads that may wait for the server's index writer; more get 429. */
  readonly ingestQueue: number;
  readonly maxBodyBytes: number;
  /** Largest file the web page may upload (POST /api/documents), in bytes. */
  readonly maxUploadBytes: number;
  /** Use exact vector search instead of the binary-quantised fast path. */
  readonly exactSearch: boolean;
  /** Worker threads that run searches off the event loop in `serve`; 0 = on the main thread. */
  readonly searchWorkers: number;
  /** OCR of PDF pages at ingest: off, auto (pages with no or almost no text) or force (every page). */
  readonly ocr: OcrMode;
  /** Tesseract languages for OCR, e.g. ["eng", "chi_tra"]; their data packages are checked when OCR starts. */
  readonly ocrLangs: readonly string[];
  /** How the user runs grounded (`grounded` or `npm run grounded --`), for messages that say what to run. */
  readonly cli: string;
}

type OcrMode = "off" | "auto" | "force";

type RewriteMode = "auto" | "off";

/** Where paths are read from: the user's folder for paths they give, `base` for the default index. */
export interface ConfigDirs {
  /** The folder the user ran the command in (INIT_CWD under npm); relative GROUNDED_DB / --db start here. */
  cwd?: string;
  /** The default index is data/grounded.db under this folder (the repository under `npm run`). */
  base?: string;
  /** What a leading `~` stands for. */
  home?: string;
}

export type ConfigOverrides = { -readonly [K in keyof Config]?: Config[K] | undefined };

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    throw new ConfigError(`${name}=${raw} is not a whole number >= ${min}. Fix or unset it.`);
  }
  return n;
}

function bool(env: Env, name: string): boolean {
  const v = (env[name] ?? "").trim().toLowerCase();
  return v === "1" || v === "true" || v === "yes" || v === "on";
}

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

const HOST_ENTRY = /^(\*|\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:\d{1,5})?$/;

/** GROUNDED_ALLOWED_HOSTS: comma-separated host names, each optionally with a port; no scheme, no path. */
function hostList(env: Env, name: string): string[] {
  const entries = (str(env, name) ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  for (const h of entries) {
    if (!HOST_ENTRY.test(h)) {
      throw new ConfigError(
        `${name} entry "${h}" is not a host name. Write names as the browser's address bar shows them, without http:// or a path, e.g. ${name}=docs.example.com or docs.example.com:8443.`,
      );
    }
  }
  return entries;
}

function ocrMode(env: Env): OcrMode {
  const v = (str(env, "GROUNDED_OCR") ?? "auto").toLowerCase();
  if (v === "off" || v === "auto" || v === "force") return v;
  throw new ConfigError(
    `GROUNDED_OCR=${env.GROUNDED_OCR} is not a mode. Use off (no OCR), auto (pages with no text; the default) or force (every page).`,
  );
}

function rewriteMode(env: Env): RewriteMode {
  const v = (str(env, "GROUNDED_REWRITE") ?? "auto").toLowerCase();
  if (v === "auto" || v === "off") return v;
  throw new ConfigError(
    `GROUNDED_REWRITE=${env.GROUNDED_REWRITE} is not a mode. Use auto (rewrite follow-up questions with the chat model; the default) or off.`,
  );
}

/** GROUNDED_OCR_LANGS: tesseract language codes joined by "+", e.g. eng+chi_tra. */
function ocrLangs(env: Env): string[] {
  const raw = str(env, "GROUNDED_OCR_LANGS") ?? "eng+chi_tra";
  const langs = raw.split("+").map((l) => l.trim().toLowerCase());
  if (!langs.every((l) => /^[a-z][a-z0-9_]*$/.test(l))) {
    throw new ConfigError(
      `GROUNDED_OCR_LANGS=${raw} is not a list of tesseract language codes. Join codes with "+", e.g. GROUNDED_OCR_LANGS=eng+chi_tra (chi_sim for Simplified Chinese).`,
    );
  }
  return langs;
}

/** Pure: the same env and overrides always give the same frozen config. */
export function loadConfig(env: Env, overrides: ConfigOverrides = {}, dirs: ConfigDirs = {}): Config {
  const picked = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  ) as ConfigOverrides;
  // The flag replaces the variable, so a bad OLLAMA_HOST does not stop a run that names --ollama-host.
  const hosts = Object.freeze(
    picked.ollamaHosts?.length
      ? [...picked.ollamaHosts]
      : picked.ollamaHost
        ? parseOllamaHosts(picked.ollamaHost, "--ollama-host")
        : parseOllamaHosts(env.OLLAMA_HOST),
  );
  const base: Config = {
    ollamaHost: hosts[0] as string,
    ollamaHosts: hosts,
    db: str(env, "GROUNDED_DB") ?? "",
    uploadsDir: "", // from db, below
    embedModel: str(env, "GROUNDED_EMBED_MODEL") ?? "bge-m3",
    chatModel: str(env, "GROUNDED_CHAT_MODEL") ?? "gemma4:e4b",
    host: str(env, "GROUNDED_HOST") ?? "127.0.0.1",
    port: int(env, "GROUNDED_PORT", 8787),
    ollamaTimeoutMs: int(env, "GROUNDED_OLLAMA_TIMEOUT_MS", 280_000, 1),
    embedBatchSize: int(env, "GROUNDED_EMBED_BATCH", 32, 1),
    embedConcurrency: int(env, "GROUNDED_EMBED_CONCURRENCY", 2, 1),
    embedRetries: int(env, "GROUNDED_EMBED_RETRIES", 4),
    retryBaseMs: int(env, "GROUNDED_RETRY_BASE_MS", 500),
    chunkTokens: int(env, "GROUNDED_CHUNK_TOKENS", 480, 32),
    chunkOverlapTokens: int(env, "GROUNDED_CHUNK_OVERLAP", 100, 0),
    think: bool(env, "GROUNDED_THINK"),
    rewrite: rewriteMode(env),
    rewriteTimeoutMs: int(env, "GROUNDED_REWRITE_TIMEOUT_MS", 5000, 1),
    keepAlive: str(env, "GROUNDED_KEEP_ALIVE"),
    maxFileBytes: int(env, "GROUNDED_MAX_FILE_MB", 100, 1) * 1024 * 1024,
    apiKey: str(env, "GROUNDED_API_KEY"),
    allowInsecure: bool(env, "GROUNDED_ALLOW_INSECURE"),
    corsOrigin: str(env, "GROUNDED_CORS_ORIGIN"),
    flagUnsupported: bool(env, "GROUNDED_FLAG_UNSUPPORTED"),
    allowedHosts: Object.freeze(hostList(env, "GROUNDED_ALLOWED_HOSTS")),
    chatConcurrency: int(env, "GROUNDED_CHAT_CONCURRENCY", 1, 1),
    chatQueue: int(env, "GROUNDED_CHAT_QUEUE", 16, 0),
    ingestQueue: int(env, "GROUNDED_INGEST_QUEUE", 8, 0),
    maxBodyBytes: int(env, "GROUNDED_MAX_BODY_KB", 256, 1) * 1024,
    maxUploadBytes: int(env, "GROUNDED_MAX_UPLOAD_MB", 50, 1) * 1024 * 1024,
    exactSearch: bool(env, "GROUNDED_EXACT_SEARCH"),
    searchWorkers: int(env, "GROUNDED_SEARCH_WORKERS", 2, 0),
    ocr: ocrMode(env),
    ocrLangs: Object.freeze(ocrLangs(env)),
    cli: commandForm(env),
  };
  const merged: Config = { ...base, ...picked, ollamaHost: base.ollamaHost, ollamaHosts: hosts } as Config;
  if (!Number.isInteger(merged.port) || merged.port < 0 || merged.port > 65535) {
    throw new ConfigError(`Port ${merged.port} is not a valid TCP port (0-65535).`);
  }
  if (merged.chunkOverlapTokens >= merged.chunkTokens) {
    throw new ConfigError(
      `GROUNDED_CHUNK_OVERLAP (${merged.chunkOverlapTokens}) must be smaller than GROUNDED_CHUNK_TOKENS (${merged.chunkTokens}).`,
    );
  }
  // A postgres:// URL names a database, not a file: it is kept as given (src/index-location.ts).
  const db = !merged.db
    ? path.resolve(dirs.base ?? process.cwd(), "data", "grounded.db")
    : isPostgresUrl(merged.db)
      ? merged.db
      : resolveUserPath(dirs.cwd ?? process.cwd(), merged.db, dirs.home ?? os.homedir());
  // Uploaded files are kept beside a SQLite index; a database has no folder, so they go to data/uploads
  // unless GROUNDED_UPLOADS says where (a folder every server can read, for several servers).
  const uploads = str(env, "GROUNDED_UPLOADS");
  const uploadsDir = uploads
    ? resolveUserPath(dirs.cwd ?? process.cwd(), uploads, dirs.home ?? os.homedir())
    : isPostgresUrl(db)
      ? path.resolve(dirs.base ?? process.cwd(), "data", "uploads")
      : path.join(path.dirname(db), "uploads");
  return Object.freeze({ ...merged, db, uploadsDir });
}
