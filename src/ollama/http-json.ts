import http from "node:http";
import https from "node:https";

/** A whole HTTP response: status and body, read to the end. */
export interface WholeResponse {
  status: number;
  statusText: string;
  body: Buffer;
}

/** Errors that mean a kept-alive connection was closed by the server while idle: safe to send again. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE"]);

/**
 * One request whose response is read whole, on Node's http module with its keep-alive agent, for the
 * small JSON calls to Ollama (embeddings, model metadata). Built-in fetch costs about a millisecond more per
 * call in its stream machinery (docs/ollama.md): one query embedding took 3.1–3.6 ms through fetch and
 * 2.3–2.6 ms here against the stand-in, and an ingest makes one call per 32 chunks.
 *
 * Like fetch: rejects with the signal's reason when `signal` aborts, with an error whose cause is the socket
 * error (and its `code`) when the server cannot be reached, and with an error when the connection closes before the body
 * is complete. A request sent on a kept-alive connection that the server had already closed is sent once
 * more on a new one (nothing of it was answered).
 */
export function requestWhole(url: string, init: RequestInit): Promise<WholeResponse> {
  return send(url, init, true);
}

interface RequestInit {
  method: "GET" | "POST";
  body?: string | undefined;
  signal: AbortSignal;
  /** Told when the response's headers have arrived (a failure after that is a broken answer). */
  onHeaders?: () => void;
}

function send(url: string, init: RequestInit, mayResend: boolean): Promise<WholeResponse> {
  const { method, body, signal } = init;
  return new Promise<WholeResponse>((resolve, reject) => {
    if (signal.aborted) return reject(abortReason(signal));
    const target = new URL(url);
    const transport = target.protocol === "https:" ? https : http;
    let responded = false;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      fn();
    };
    const req = transport.request(
      target,
      {
        method,
        headers:
          body === undefined
            ? undefined
            : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        responded = true;
        init.onHeaders?.();
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("end", () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              statusText: res.statusMessage ?? "",
              body: Buffer.concat(parts),
            }),
          ),
        );
        res.on("error", (e) => finish(() => reject(e)));
        res.on("close", () => {
          if (!res.complete)
            finish(() => reject(new Error("the connection closed before the response was complete")));
        });
      },
    );
    function onAbort() {
      finish(() => reject(abortReason(signal)));
      req.destroy();
    }
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e: NodeJS.ErrnoException) => {
      if (!responded && mayResend && req.reusedSocket && STALE_CONNECTION.has(e.code ?? "")) {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        send(url, init, false).then(resolve, reject);
        return;
      }
      // As fetch does, the socket's error (with its `code`) is the cause of the one thrown.
      finish(() => reject(new Error(`request to ${target.origin} failed: ${e.message}`, { cause: e })));
    });
    req.end(body);
  });
}

/** What fetch rejects with on an abort: the signal's reason, or an AbortError when it has none. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
