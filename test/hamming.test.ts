import { describe, expect, it } from "vitest";
import { createCodeSet } from "../src/store/hamming.js";
import { seededRandom } from "./stand-in/awkward-writer.js";

/** Reference: popcount(code XOR query) bit by bit, sorted by (distance, id). */
function bruteForce(codes: Uint8Array[], ids: number[], query: Uint8Array, count: number): number[] {
  const dist = codes.map((c) => {
    let d = 0;
    for (let i = 0; i < c.length; i++)
      for (let x = (c[i] as number) ^ (query[i] as number); x; x >>= 1) d += x & 1;
    return d;
  });
  return ids
    .map((id, i) => ({ id, d: dist[i] as number }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, count)
    .map((x) => x.id);
}

describe("in-memory Hamming scan", () => {
  for (const bytesPerCode of [2, 16, 48, 256, 528, 4096]) {
    it(`finds the nearest codes exactly like a brute-force sort (${bytesPerCode}-byte codes)`, () => {
      const random = seededRandom(bytesPerCode);
      const size = 3000;
      const codes = Array.from({ length: size }, () =>
        Uint8Array.from({ length: bytesPerCode }, () => Math.floor(random() * 256)),
      );
      // Ids out of row order, as rowids after deletions are.
      const ids = codes.map((_, i) => 7 + ((i * 7919) % 100_003));
      const wasm = createCodeSet(size, bytesPerCode);
      const js = createCodeSet(size, bytesPerCode, { wasm: false });
      codes.forEach((c, i) => {
        wasm.set(i, ids[i] as number, c);
        js.set(i, ids[i] as number, c);
      });
      expect(wasm.simd).toBe(bytesPerCode % 16 === 0);
      expect(js.simd).toBe(false);
      for (let q = 0; q < 5; q++) {
        // Queries near a stored code (a few bits flipped) and random ones.
        const query =
          q < 3
            ? Uint8Array.from(codes[q * 100] as Uint8Array)
            : Uint8Array.from({ length: bytesPerCode }, () => Math.floor(random() * 256));
        if (q < 3) query[0] = (query[0] as number) ^ 0b101;
        const want = bruteForce(codes, ids, query, 40);
        const byWasm = wasm.nearest(query, 40);
        const byJs = js.nearest(query, 40);
        // Same set; rows tied at the cut-off are broken by id, so the sets agree exactly.
        expect(new Set(byWasm)).toEqual(new Set(want));
        expect(new Set(byJs)).toEqual(new Set(want));
        expect(byWasm).toHaveLength(40);
      }
    });
  }

  it("returns every row when asked for more than it holds, and nothing for a query of the wrong size", () => {
    const set = createCodeSet(3, 16);
    for (let i = 0; i < 3; i++) set.set(i, 10 + i, new Uint8Array(16).fill(i));
    expect(set.nearest(new Uint8Array(16), 10).sort()).toEqual([10, 11, 12]);
    expect(set.nearest(new Uint8Array(8), 10)).toEqual([]);
    expect(() => set.set(0, 1, new Uint8Array(8))).toThrow(/8 bytes, expected 16/);
  });
});
