import { describe, expect, it } from "vitest";
import { type BatchItem, createBatcher } from "../ingest/batcher.js";

/** A controllable embedder: each request waits until the test releases it. */
function heldEmbedder() {
  const held: Array<() => void> = [];
  return {
    held,
    embed: (texts: string[]) =>
      new Promise<Float32Array[]>((resolve) => {
        held.push(() => resolve(texts.map(() => new Float32Array([1]))));
      }),
  };
}

const items = (n: number, from = 0): BatchItem<number>[] =>
  Array.from({ length: n }, (_, i) => ({ text: `t${from + i}`, owner: from + i, index: 0 }));

describe("batcher", () => {
  it("sends full batches, at most `concurrency` at once, and calls beforeWait before waiting on the model", async () => {
    const model = heldEmbedder();
    const events: string[] = [];
    const stored: number[] = [];
    const batcher = createBatcher<number>({
      batchSize: 2,
      concurrency: 2,
      embed: model.embed,
      onVectors: (batch) => {
        events.push(`vectors ${batch.length}`);
        stored.push(...batch.map((b) => b.owner));
      },
      onError: () => events.push("error"),
      beforeWait: () => events.push("beforeWait"),
    });
    await batcher.push(items(4)); // two requests in flight, nothing queued: no wait
    expect(model.held).toHaveLength(2);
    expect(events).toEqual([]);
    const pushed = batcher.push(items(4, 4)); // 4 queued (2 batches) and no free slot: waits
    expect(events).toEqual(["beforeWait"]);
    model.held.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    // The slot went to the next batch at once; the waiting push saw progress.
    expect(model.held).toHaveLength(2);
    await pushed;
    const drained = batcher.drain();
    while (model.held.length) {
      model.held.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await drained;
    expect(stored.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(batcher.requests).toBe(4);
    expect(events.filter((e) => e.startsWith("vectors"))).toHaveLength(4);
    expect(events).not.toContain("error");
  });
});
