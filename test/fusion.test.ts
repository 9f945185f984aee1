import { describe, expect, it } from "vitest";
import { fuse } from "../src/fusion.js";

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
