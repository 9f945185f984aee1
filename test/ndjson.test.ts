import { describe, expect, it } from "vitest";
import { NdjsonParseError, parseNdjson } from "../src/ollama/ndjson.js";

function streamOf(parts: Uint8Array[], onCancel?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++];
      if (part) controller.enqueue(part);
      else controller.close();
    },
    cancel: onCancel,
  });
}

/** Cuts `bytes` at the given offsets, like network reads that ignore lines and characters. */
function cut(bytes: Uint8Array, at: number[]): Uint8Array[] {
  const edges = [0, ...at, bytes.length];
  return edges.slice(1).map((end, i) => bytes.subarray(edges[i], end));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const encode = (s: string) => new TextEncoder().encode(s);

describe("parseNdjson", () => {
  const objects = [{ content: "東京は" }, { content: "日本の首都です。😀" }, { done: true, n: 3 }];
  const text = `${objects.map((o) => JSON.stringify(o)).join("\n")}\n`;

  it("parses a stream delivered one byte at a time (mid-line and mid-UTF-8 character)", async () => {
    const bytes = encode(text);
    const parts = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(await collect(parseNdjson(streamOf(parts)))).toEqual(objects);
  });

  it("gives the same objects for every single cut position", async () => {
    const bytes = encode(text);
    for (let at = 1; at < bytes.length; at++) {
      expect(await collect(parseNdjson(streamOf(cut(bytes, [at]))))).toEqual(objects);
    }
  });

  it("handles reads that hold several lines and a part of the next", async () => {
    const bytes = encode(text);
    const parts = cut(bytes, [bytes.length - 5]);
    expect(await collect(parseNdjson(streamOf(parts)))).toEqual(objects);
  });

  it("ignores blank lines and CRLF endings", async () => {
    const parts = [encode('\n{"a":1}\r\n\r\n   \n{"b":2}\n\n')];
    expect(await collect(parseNdjson(streamOf(parts)))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("counts a last line without a trailing newline", async () => {
    const parts = [encode('{"a":1}\n{"b"'), encode(':"末尾"}')];
    expect(await collect(parseNdjson(streamOf(parts)))).toEqual([{ a: 1 }, { b: "末尾" }]);
  });

  it("yields nothing for an empty stream", async () => {
    expect(await collect(parseNdjson(streamOf([])))).toEqual([]);
  });

  it("throws NdjsonParseError naming the bad line", async () => {
    const parts = [encode('{"a":1}\nnot json\n')];
    const seen: unknown[] = [];
    const run = async () => {
      for await (const item of parseNdjson(streamOf(parts))) seen.push(item);
    };
    await expect(run()).rejects.toThrow(NdjsonParseError);
    await expect(collect(parseNdjson(streamOf([encode("oops\n")])))).rejects.toThrow(/oops/);
    expect(seen).toEqual([{ a: 1 }]);
  });

  it("cancels the underlying stream when the consumer stops early", async () => {
    let cancelled = false;
    const parts = [encode('{"a":1}\n'), encode('{"b":2}\n'), encode('{"c":3}\n')];
    for await (const item of parseNdjson(streamOf(parts, () => (cancelled = true)))) {
      expect(item).toEqual({ a: 1 });
      break;
    }
    expect(cancelled).toBe(true);
  });
});
