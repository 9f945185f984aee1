import { describe, expect, it } from "vitest";
import { rotateForCode } from "../src/store/rotation.js";
import { seededRandom } from "./stand-in/awkward-writer.js";

describe("the rotation behind the binary codes", () => {
  // The codes stored in existing indexes were made by the JavaScript version: WebAssembly must match it
  // bit for bit, not just closely.
  for (const dims of [8, 20, 384, 768, 1024, 1536]) {
    it(`gives bit-identical floats in WebAssembly and JavaScript (${dims} dimensions)`, () => {
      const random = seededRandom(dims);
      for (let n = 0; n < 20; n++) {
        const sparse = n % 2 === 1;
        const v = Float32Array.from({ length: dims }, () =>
          sparse && random() < 0.9 ? 0 : (random() - 0.5) * 10 ** Math.floor(random() * 6 - 3),
        );
        const wasm = rotateForCode(v);
        const js = rotateForCode(v, { wasm: false });
        expect(wasm.length).toBe(2 * 2 ** Math.ceil(Math.log2(Math.max(8, dims))));
        expect(Buffer.from(wasm.buffer).equals(Buffer.from(js.buffer))).toBe(true);
      }
    });
  }

  it("leaves the input vector as it was", () => {
    const v = Float32Array.from({ length: 64 }, (_, i) => i - 32);
    const copy = Float32Array.from(v);
    rotateForCode(v);
    expect(v).toEqual(copy);
  });

  it("preserves length up to the transform's scale (a rotation, not a projection)", () => {
    const random = seededRandom(7);
    const v = Float32Array.from({ length: 1024 }, () => random() - 0.5);
    const out = rotateForCode(v);
    const norm = (x: Float32Array) => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
    // Two unnormalised Hadamard transforms of size 1024 scale each half by 1024.
    expect(norm(out.subarray(0, 1024)) / norm(v)).toBeCloseTo(1024, 1);
    expect(norm(out.subarray(1024)) / norm(v)).toBeCloseTo(1024, 1);
  });
});
