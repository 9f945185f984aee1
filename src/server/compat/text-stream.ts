/**
 * A streaming response from an async generator of already-formatted text (NDJSON lines, server-sent
 * events). The generator writes its own error line, because each compatible API words errors its own way; when the
 * client goes away the generator is closed and `onCancel` stops the work behind it.
 */
export function textStream(
  lines: AsyncGenerator<string, void, undefined>,
  contentType: string,
  onCancel: (reason: unknown) => void,
): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(sink) {
      try {
        const next = await lines.next();
        if (next.done) sink.close();
        else sink.enqueue(encoder.encode(next.value));
      } catch (err) {
        // The generator formats its own errors; reaching here means it failed to, so end the stream.
        console.error(err);
        sink.close();
      }
    },
    async cancel(reason) {
      onCancel(reason ?? new Error("client disconnected"));
      await lines.return(undefined).catch(() => {});
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": contentType,
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
