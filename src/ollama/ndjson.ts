/**
 * Newline-delimited JSON from a fetch body. Network reads do not respect line boundaries (docs/ollama.md,
 * "Streams and errors"): a read can end mid-line and even mid-UTF-8 character, so bytes are decoded with
 * `stream: true` and only complete lines are parsed.
 */
export class NdjsonParseError extends Error {
  readonly line: string;
  constructor(line: string, cause: unknown) {
    super(`Invalid JSON line in stream: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`, { cause });
    this.name = "NdjsonParseError";
    this.line = line;
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (e) {
    throw new NdjsonParseError(line, e);
  }
}

/**
 * Yields one parsed object per non-blank line, including a final line without a trailing newline.
 * Stopping the iteration early cancels the underlying stream so the connection is released.
 */
export async function* parseNdjson<T = unknown>(body: ReadableStream<Uint8Array>): AsyncGenerator<T> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffered = "";
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== "") yield parseLine(line) as T;
        newline = buffered.indexOf("\n");
      }
    }
    finished = true;
    const rest = (buffered + decoder.decode()).trim();
    if (rest !== "") yield parseLine(rest) as T;
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
