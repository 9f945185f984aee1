import { toErrorResponse } from "./error-response.js";

/**
 * Turn an event generator into an NDJSON response. An error thrown mid-stream ends the stream with one
 * `{"type":"error","error":{...}}` line; a client that goes away aborts `controller`, which cancels the
 * upstream model request.
 */
export function ndjsonResponse(
  events: AsyncGenerator<object, void, undefined>,
  controller: AbortController,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(sink) {
      try {
        const next = await events.next();
        if (next.done) sink.close();
        else sink.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
      } catch (err) {
        if (!controller.signal.aborted) {
          const { body: errorBody } = toErrorResponse(err);
          sink.enqueue(encoder.encode(`${JSON.stringify({ type: "error", ...errorBody })}\n`));
        }
        sink.close();
      }
    },
    async cancel() {
      controller.abort(new Error("client disconnected"));
      await events.return(undefined).catch(() => {});
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
