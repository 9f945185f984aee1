import * as errors from "../../src/errors.js";

/** One instance of every class of the error family, as the code would throw it. */
export function errorSamples(): errors.GroundedError[] {
  const ollamaDown = new errors.OllamaUnavailableError("http://127.0.0.1:11434");
  return [
    new errors.GroundedError("something", "A message.", { status: 418, exitCode: 3 }),
    new errors.ValidationError("Bad flag.", { code: "bad_flag", status: 422 }),
    new errors.ConfigError("GROUNDED_PORT is not a number."),
    new errors.NotFoundError("No document with id 7."),
    ollamaDown,
    new errors.OllamaTimeoutError("http://127.0.0.1:11434", "/api/embed", 280000),
    new errors.ModelNotFoundError("bge-m3", "http://127.0.0.1:11434"),
    new errors.OllamaError(500, "llama runner process has terminated", "http://127.0.0.1:11434"),
    new errors.EmbeddingMismatchError("bge-m3", 1024, "nomic-embed-text", 768, "npm run grounded --"),
    new errors.OllamaHostsFailedError('POST /api/embed for "bge-m3"', [
      { host: "http://10.0.0.1:11434", error: new errors.OllamaUnavailableError("http://10.0.0.1:11434") },
      {
        host: "http://10.0.0.2:11434",
        error: new errors.OllamaError(500, "llama runner process has terminated", "http://10.0.0.2:11434"),
      },
    ]),
    new errors.HostsDisagreeError(
      "bge-m3",
      { host: "http://10.0.0.1:11434", width: 1024 },
      { host: "http://10.0.0.2:11434", width: 768 },
    ),
    new errors.LoaderError("a.pdf", "is password-protected"),
    new errors.EmptyFileError("empty.md"),
    new errors.BusyError(5),
    new errors.MethodNotAllowedError("PUT", "/api/ask", ["POST"]),
    new errors.IndexLockedError("/tmp/x.db.lock", 4242),
    new errors.ForbiddenHostError("evil.example:8787"),
    new errors.ForbiddenOriginError("null"),
    new errors.InvalidJsonError("The request body is not valid JSON."),
    new errors.UnsupportedMediaTypeError("Send JSON.", "unsupported_file_type"),
    new errors.BodyTooLargeError(1_000_000),
    new errors.FileTooLargeError(50, "grounded"),
    new errors.UploadsUnavailableError("grounded"),
    new errors.PullFailedError("nomic-embed-txt", ollamaDown),
    new errors.SearchUnavailableError("exit code 1"),
    new errors.IndexUnavailableError("Cannot open the index /nope/x.db.", new Error("SQLITE_CANTOPEN")),
    new errors.UnknownModelError("llama9"),
    new errors.ForbiddenFileError("notes/link.md"),
    new errors.IngestBusyError(10),
    new errors.IndexWriterStoppedError(1),
  ];
}
