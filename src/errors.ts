/**
 * One error family for everything a user can meet. Each error carries a stable `code`, the HTTP `status`
 * it becomes, a message that says what happened and what to do next, and (where there is one) a `cause`.
 * The HTTP layer turns these into `{error:{code,message}}` in one place (src/server/error-response.ts); the CLI
 * prints `message` and exits with `exitCode`.
 */
export class GroundedError extends Error {
  readonly code: string;
  readonly status: number;
  readonly exitCode: number;

  constructor(
    code: string,
    message: string,
    options: { status?: number; exitCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input from a user: a CLI flag, a request body, a setting. */
export class ValidationError extends GroundedError {
  constructor(message: string, options: { code?: string; status?: number; cause?: unknown } = {}) {
    super(options.code ?? "invalid_request", message, {
      status: options.status ?? 400,
      exitCode: 2,
      cause: options.cause,
    });
  }
}

export class ConfigError extends GroundedError {
  constructor(message: string, cause?: unknown) {
    super("invalid_config", message, { status: 500, exitCode: 2, cause });
  }
}

export class NotFoundError extends GroundedError {
  constructor(message: string) {
    super("not_found", message, { status: 404 });
  }
}

/** Ollama could not be reached at all (connection refused, DNS, reset before any response). */
export class OllamaUnavailableError extends GroundedError {
  readonly host: string;
  constructor(host: string, cause?: unknown) {
    super(
      "ollama_unavailable",
      `Cannot reach Ollama at ${host}. Start it with \`ollama serve\` (or open the Ollama app), or point OLLAMA_HOST / --ollama-host at the machine where it runs.`,
      { status: 503, cause },
    );
    this.host = host;
  }
}

/** Ollama did not answer within the time allowed. */
export class OllamaTimeoutError extends GroundedError {
  constructor(host: string, what: string, ms: number) {
    super(
      "ollama_timeout",
      `Ollama at ${host} did not answer ${what} within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}. The model may still be loading or the machine is busy; try again, or raise GROUNDED_OLLAMA_TIMEOUT_MS.`,
      { status: 504 },
    );
  }
}

/** The model is not pulled on this Ollama (404), or on none of the hosts OLLAMA_HOST lists. */
export class ModelNotFoundError extends GroundedError {
  readonly model: string;
  constructor(model: string, host: string | readonly string[], cause?: unknown) {
    const hosts = typeof host === "string" ? [host] : host;
    super(
      "model_not_found",
      hosts.length === 1
        ? `Ollama at ${hosts[0]} does not have the model "${model}". Run \`ollama pull ${model}\` and try again.`
        : `None of the Ollama hosts (${hosts.join(", ")}) has the model "${model}". Run \`ollama pull ${model}\` on each of them (OLLAMA_HOST=${hosts[0]} ollama pull ${model}, and so on) and try again.`,
      { status: 503, exitCode: 2, cause },
    );
    this.model = model;
  }
}

/** Any other error status from Ollama; `upstreamStatus` is Ollama's HTTP status. */
export class OllamaError extends GroundedError {
  readonly upstreamStatus: number;
  constructor(upstreamStatus: number, message: string, host: string) {
    const retry = upstreamStatus === 503 || upstreamStatus >= 500;
    super(
      upstreamStatus === 503 ? "ollama_busy" : "ollama_error",
      `Ollama at ${host} answered ${upstreamStatus}: ${message}${retry ? " (try again in a moment)" : ""}`,
      { status: upstreamStatus === 503 ? 503 : 502 },
    );
    this.upstreamStatus = upstreamStatus;
  }

  get transient(): boolean {
    return this.upstreamStatus >= 500;
  }
}

/** What one host said, in a few words, for a message that lists several hosts. */
function hostReason(error: unknown, host: string): string {
  if (error instanceof OllamaUnavailableError) {
    const code = (error.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
    return `cannot be reached${typeof code === "string" ? ` (${code})` : ""}`;
  }
  if (error instanceof ModelNotFoundError) return `does not have the model "${error.model}"`;
  const message = error instanceof Error ? error.message : String(error);
  const own = message.startsWith(`Ollama at ${host} `) ? message.slice(`Ollama at ${host} `.length) : message;
  return own.replace(/ \(try again in a moment\)$/, "").replace(/\. .*$/s, "");
}

/**
 * Every host of OLLAMA_HOST failed the same request (src/ollama/host-pool.ts): which hosts were tried, what
 * each said, and what to do. An OllamaUnavailableError, so it is retried and handled like one host that is
 * down (search falls back to full-text matching, `/api/ask` answers 503).
 */
export class OllamaHostsFailedError extends OllamaUnavailableError {
  constructor(what: string, failures: ReadonlyArray<{ host: string; error: unknown }>) {
    super(failures.map((f) => f.host).join(", "), new AggregateError(failures.map((f) => f.error)));
    const said = failures.map((f) => `${f.host} ${hostReason(f.error, f.host)}`).join("; ");
    const todo = [
      failures.some((f) => f.error instanceof OllamaUnavailableError) &&
        "start Ollama where it is down (`ollama serve`) or remove those hosts from OLLAMA_HOST / --ollama-host",
      failures.some((f) => f.error instanceof OllamaTimeoutError) &&
        "give a loading or busy host more time (GROUNDED_OLLAMA_TIMEOUT_MS)",
      failures.some((f) => f.error instanceof OllamaError) &&
        "try again in a moment (a host's log says why it failed)",
      failures.some((f) => f.error instanceof ModelNotFoundError) &&
        "pull the missing model on the hosts that lack it (`ollama pull <model>` there)",
    ].filter((t): t is string => typeof t === "string");
    this.message = `Every Ollama host failed ${what}: ${said}.${todo.length ? ` To fix it, ${todo.join("; or ")}.` : ""}`;
  }
}

/** The index was built with another embedding model or dimensions than the ones configured now. */
export class EmbeddingMismatchError extends GroundedError {
  constructor(
    indexModel: string,
    indexDims: number,
    wantedModel: string,
    wantedDims?: number,
    cli = "grounded",
  ) {
    super(
      "embedding_mismatch",
      `The index was built with the embedding model "${indexModel}" (${indexDims} dimensions) but "${wantedModel}"${
        wantedDims ? ` (${wantedDims} dimensions)` : ""
      } is configured. Either set GROUNDED_EMBED_MODEL=${indexModel} (or --embed-model ${indexModel}), or rebuild the index with the new model: \`${cli} ingest --reindex <folder>\`.`,
      { status: 409, exitCode: 2 },
    );
  }
}

/**
 * Two hosts of OLLAMA_HOST return vectors of different widths for one model name: they do not serve the same
 * model, and one index cannot hold both. An EmbeddingMismatchError, so it stops an ingest the same way.
 */
export class HostsDisagreeError extends EmbeddingMismatchError {
  constructor(model: string, a: { host: string; width: number }, b: { host: string; width: number }) {
    super(model, a.width, model, b.width);
    this.message = `The Ollama hosts serve different models under the name "${model}": ${a.host} returns ${a.width}-dimension vectors, ${b.host} ${b.width}. Every host in OLLAMA_HOST must serve the same embedding model: pull the same "${model}" on each (\`ollama pull ${model}\` there), or remove the odd one from OLLAMA_HOST / --ollama-host.`;
  }
}

/** A file that could not be loaded (corrupt, encrypted, no text, too large, ...). */
export class LoaderError extends GroundedError {
  readonly file: string;
  constructor(file: string, reason: string, cause?: unknown) {
    super("load_failed", `${file}: ${reason}`, { status: 422, cause });
    this.file = file;
  }
}

/** A file with no text at all: ingest skips it (exit code 0) rather than counting it as a failure. */
export class EmptyFileError extends LoaderError {
  constructor(file: string, reason = "is empty") {
    super(file, reason);
  }
}

/** Too many requests waiting for the model. */
export class BusyError extends GroundedError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super("busy", `Too many questions are waiting for the model. Try again in ${retryAfterSeconds} s.`, {
      status: 429,
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Too many uploads waiting to be indexed (GROUNDED_INGEST_QUEUE). */
export class IngestBusyError extends GroundedError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super(
      "ingest_busy",
      `Too many files are waiting to be indexed. Try again in ${retryAfterSeconds} s, or put the files in a folder and run \`grounded ingest <folder>\`.`,
      { status: 429 },
    );
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The server's index writer thread stopped while it had work; that work was not stored. */
export class IndexWriterStoppedError extends GroundedError {
  constructor(exitCode: number) {
    super(
      "index_writer_stopped",
      `The index writer stopped (exit code ${exitCode}) while indexing; this file was not added and the index is unchanged. Send it again; if it happens again, the server's log says why.`,
      { status: 503 },
    );
  }
}

/** A known route asked with a method it does not answer; `allow` lists the ones it does. */
export class MethodNotAllowedError extends GroundedError {
  readonly allow: string[];
  constructor(method: string, path: string, allow: string[]) {
    super("method_not_allowed", `${path} does not answer ${method}; use ${allow.join(" or ")}.`, {
      status: 405,
    });
    this.allow = allow;
  }
}

export class IndexLockedError extends GroundedError {
  constructor(lockFile: string, pid: number) {
    super(
      "index_locked",
      `Another ingest (process ${pid}) is writing to this index. Wait for it to finish, or if it is gone, delete ${lockFile}.`,
      { status: 409, exitCode: 2 },
    );
  }
}

/** A request whose Host header names none of this server's addresses: a DNS-rebinding page, or a proxy not yet allowed. */
export class ForbiddenHostError extends GroundedError {
  constructor(host: string) {
    super(
      "forbidden_host",
      `Requests for the host "${host}" are refused: grounded answers only to the names it listens on, so that another web site cannot read your documents through your browser (DNS rebinding). If you reach grounded by this name (a reverse proxy, an SSH tunnel, the machine's name), add it to GROUNDED_ALLOWED_HOSTS.`,
      { status: 403 },
    );
  }
}

/** A browser request sent by a page of another origin (or an opaque `null` one) that CORS does not allow. */
export class ForbiddenOriginError extends GroundedError {
  constructor(origin: string) {
    super(
      "forbidden_origin",
      `Requests from web pages at ${origin === "null" ? "an opaque origin (Origin: null)" : origin} are refused: only grounded's own web page may use it from a browser, so that other web sites cannot read or change your documents. To let a page of yours on another origin use the API, add that origin to GROUNDED_CORS_ORIGIN.`,
      { status: 403 },
    );
  }
}

/** The request body is not JSON, or not the JSON object the route expects. */
export class InvalidJsonError extends ValidationError {
  constructor(message: string) {
    super(message, { code: "invalid_json" });
  }
}

/** A body sent with a content type the route does not read (`what` says which one it wants). */
export class UnsupportedMediaTypeError extends ValidationError {
  constructor(message: string, code = "unsupported_media_type") {
    super(message, { code, status: 415 });
  }
}

/** A JSON request body over GROUNDED_MAX_BODY_BYTES. */
export class BodyTooLargeError extends GroundedError {
  constructor(maxBytes: number) {
    super("body_too_large", `The request body is larger than ${maxBytes} bytes.`, { status: 413 });
  }
}

/** An upload over GROUNDED_MAX_UPLOAD_MB. */
export class FileTooLargeError extends GroundedError {
  constructor(maxMb: number, cli = "grounded") {
    super(
      "file_too_large",
      `The file is larger than the ${maxMb} MB upload limit. Raise GROUNDED_MAX_UPLOAD_MB, or put the file in a folder and run \`${cli} ingest <folder>\`.`,
      { status: 413 },
    );
  }
}

/** An upload to an app built without the ingest hook (only `grounded serve` wires it). */
export class UploadsUnavailableError extends GroundedError {
  constructor(cli = "grounded") {
    super(
      "uploads_unavailable",
      `This server does not take uploads. Start it with \`${cli} serve\`, or run \`${cli} ingest <folder>\`.`,
      { status: 501 },
    );
  }
}

/** `grounded pull` could not fetch a model; `cause` is Ollama's error. */
export class PullFailedError extends GroundedError {
  constructor(model: string, cause: GroundedError) {
    super(
      "pull_failed",
      `Could not pull "${model}": ${cause.message}. Check the name (ollama.com/library lists them), or choose another with --embed-model / --chat-model.`,
      { status: 502, exitCode: 1, cause },
    );
  }
}

/** A search worker died under a search; the pool replaces it. */
export class SearchUnavailableError extends GroundedError {
  constructor(reason: string) {
    super("search_unavailable", `A search worker stopped (${reason}) and is being replaced; try again.`, {
      status: 503,
    });
  }
}

/** The index file cannot be opened or prepared (path, permissions, a damaged file, a failed migration). */
export class IndexUnavailableError extends GroundedError {
  constructor(message: string, cause: unknown) {
    super("index_unavailable", message, { status: 503, exitCode: 2, cause });
  }
}

/** A document whose file now lies outside the folder it was indexed from (a link, an edited index). */
export class ForbiddenFileError extends GroundedError {
  constructor(source: string) {
    super(
      "forbidden_file",
      `The file of "${source}" is not served: it is not a regular file inside the folder it was indexed from (a link to elsewhere, or the index was changed). Ingest the folder again.`,
      { status: 403 },
    );
  }
}

/**
 * A model name the Ollama- and OpenAI-compatible APIs do not offer (only `grounded` and
 * `grounded:<chat-model>`); each API words it the way its clients expect.
 */
export class UnknownModelError extends NotFoundError {
  readonly model: string;
  constructor(model: string) {
    super(`model '${model}' not found`);
    this.model = model;
  }
}

/** What a user is told of an error that is not one of the family above (a bug): the details go to the log. */
export const INTERNAL_ERROR_MESSAGE = "Something went wrong inside grounded; the server log has the details.";

export function isGroundedError(e: unknown): e is GroundedError {
  return e instanceof GroundedError;
}
