import { describe, expect, it } from "vitest";
import { rotateForCode } from "../src/store/rotation.js";
import { ROTATION_WASM_BASE64 } from "../src/store/rotation-wasm.js";
import { compileWat, WAT_SOURCES } from "./tools/wasm.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("the rotation behind the binary codes", () => {
  it("ships the bytes that src/store/rotation.wat compiles to", async () => {
    const source = WAT_SOURCES.find((s) => s.name === "rotation");
    const bytes = await compileWat(source?.wat ?? "missing");
    expect(Buffer.from(bytes).toString("base64")).toBe(ROTATION_WASM_BASE64);
  });

  // The codes stored in existing indexes were made by the JavaScript version: WebAssembly must match it
  // bit for bit, not just closely.
  for (const dims of [8, 20, 384, 768, 1024, 1536]) {
    it(`gives bit-identical floats in WebAssembly and JavaScript (${dims} dimensions)`, () => {
      const random = rng(dims);
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
    const random = rng(7);
    const v = Float32Array.from({ length: 1024 }, () => random() - 0.5);
    const out = rotateForCode(v);
    const norm = (x: Float32Array) => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
    // Two unnormalised Hadamard transforms of size 1024 scale each half by 1024.
    expect(norm(out.subarray(0, 1024)) / norm(v)).toBeCloseTo(1024, 1);
    expect(norm(out.subarray(1024)) / norm(v)).toBeCloseTo(1024, 1);
  });
});
