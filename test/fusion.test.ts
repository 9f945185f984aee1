import { describe, expect, it } from "vitest";
import { fuse } from "../src/retrieval/fusion.js";

const list = (scores: Array<[number, number]>) => scores.map(([id, score]) => ({ id, score }));

describe("fuse", () => {
  it("passes one side through in single-side modes", () => {
    const l = list([[1, 5]]);
    const v = list([[2, 0.9]]);
    expect(fuse(l, v, "lexical")).toBe(l);
    expect(fuse(l, v, "vector")).toBe(v);
  });

  it("a flat (uninformative) vector side cannot overturn a clear lexical winner", () => {
    const lexical = list([
      [1, 20],
      [2, 5],
      [3, 4.5],
      [4, 4],
      [5, 3.9],
    ]);
    const vector = list([
      [3, 0.31],
      [5, 0.305],
      [1, 0.3],
      [2, 0.3],
      [4, 0.29],
    ]);
    expect(fuse(lexical, vector, "hybrid")[0]?.id).toBe(1);
  });

  it("a confident vector side wins over a flat lexical side", () => {
    // 20 candidates a side: lexical scores within a narrow band, one vector hit far above the rest.
    const lexical = list(Array.from({ length: 20 }, (_, i) => [i + 1, 5.2 - i * 0.02] as [number, number]));
    const vector = list([
      [4, 0.9],
      ...Array.from({ length: 19 }, (_, i) => [i + 30, 0.4 - i * 0.002] as [number, number]),
    ]);
    expect(fuse(lexical, vector, "hybrid")[0]?.id).toBe(4);
  });

  it("weights each side by how far its best hit stands out: an evenly spread side cannot decide a clear lexical pair", () => {
    // Lexical: two hits far above 28 others, #1 ahead of #2. Vector: 30 evenly spread similarities with no
    // standout, #2 a little above the middle and #1 a little below. With equal weights that small vector
    // difference would put #2 first (measured: 3.81 vs 3.32); weighted by standing out, #1 stays first.
    const lexical = list(
      Array.from(
        { length: 30 },
        (_, i) => [i + 1, i === 0 ? 12 : i === 1 ? 10.5 : 4 - i * 0.05] as [number, number],
      ),
    );
    const spread = Array.from({ length: 30 }, (_, i) => 0.5 + (i - 14.5) * 0.004);
    const vector = list(
      Array.from(
        { length: 30 },
        (_, i) =>
          [i + 1, i === 0 ? 0.48 : i === 1 ? 0.52 : (spread[(i * 7) % 30] as number)] as [number, number],
      ),
    );
    expect(
      fuse(lexical, vector, "hybrid")
        .map((x) => x.id)
        .slice(0, 2),
    ).toEqual([1, 2]);
    // The same holds with the roles swapped: a clear vector pair is not decided by a spread lexical side.
    expect(
      fuse(vector, lexical, "hybrid")
        .map((x) => x.id)
        .slice(0, 2),
    ).toEqual([1, 2]);
  });

  it("a flat side has no say, and two flat sides still give an order", () => {
    const flat = list([
      [1, 0.3],
      [2, 0.3],
      [3, 0.3],
    ]);
    const lexical = list([
      [3, 9],
      [2, 5],
      [1, 1],
    ]);
    expect(fuse(lexical, flat, "hybrid").map((x) => x.id)).toEqual([3, 2, 1]);
    expect(fuse(flat, flat, "hybrid").map((x) => x.id)).toEqual([1, 2, 3]);
  });

  it("a chunk found by both sides beats one found by one side with the same standing", () => {
    const lexical = list([
      [1, 10],
      [2, 10],
      [3, 1],
    ]);
    const vector = list([
      [2, 0.8],
      [4, 0.8],
      [5, 0.1],
    ]);
    expect(fuse(lexical, vector, "hybrid")[0]?.id).toBe(2);
  });
});
