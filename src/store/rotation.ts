import { ROTATION_WASM_BASE64 } from "./rotation-wasm.js";

/**
 * The fixed random rotations behind the binary codes (src/store/vectors.ts): random signs, then a
 * Walsh-Hadamard transform, twice per code half. Runs in WebAssembly with SIMD (src/store/rotation.wat, four
 * butterflies at a time) when it can, with the same float32 operations in the same order as the JavaScript
 * version here, so the codes are bit for bit the same either way (test/rotation.test.ts compares them).
 */
/** The dimensions rounded up to a power of two, the size the rotation works on. */
export function signBits(dimensions: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(8, dimensions)));
}

/** Fixed forever: the codes stored in existing indexes were made with these signs. */
const signCache = new Map<number, Float32Array[]>();
function rotationSigns(size: number): Float32Array[] {
  let signs = signCache.get(size);
  if (!signs) {
    let state = 0x9e3779b9;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state >>> 31 === 1 ? 1 : -1;
    };
    signs = [0, 1, 2, 3].map(() => Float32Array.from({ length: size }, next));
    signCache.set(size, signs);
  }
  return signs;
}

/** In place: flip signs, then an unnormalised fast Walsh-Hadamard transform (the reference and fallback). */
function signedHadamardJs(x: Float32Array, signs: Float32Array): void {
  const size = x.length;
  for (let i = 0; i < size; i++) x[i] = (x[i] as number) * (signs[i] as number);
  for (let h = 1; h < size; h *= 2) {
    for (let i = 0; i < size; i += h * 2) {
      for (let j = i; j < i + h; j++) {
        const a = x[j] as number;
        const b = x[j + h] as number;
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}

/**
 * The floats whose sign bits are stored: the vector under two independent fixed rotations, one after the
 * other (2 × signBits(dims) values). Two rotations give twice the bits, halving the noise of the angle
 * estimate; on the stand-in's embeddings that needs half the candidates for the same recall.
 */
export function rotateForCode(v: Float32Array, options: { wasm?: boolean } = {}): Float32Array {
  const size = signBits(v.length);
  const wasm = options.wasm !== false ? wasmRotation(size) : undefined;
  if (wasm) return wasm(v);
  const [a, b, c, d] = rotationSigns(size) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const out = new Float32Array(size * 2);
  const first = out.subarray(0, size);
  const second = out.subarray(size);
  first.set(v);
  second.set(v);
  signedHadamardJs(first, a);
  signedHadamardJs(first, b);
  signedHadamardJs(second, c);
  signedHadamardJs(second, d);
  return out;
}

type Rotation = (v: Float32Array) => Float32Array;

let rotationModule: WebAssembly.Module | null | undefined;
const rotations = new Map<number, Rotation>();

/**
 * rotateForCode in WebAssembly for vectors padded to `size` floats, or undefined without WebAssembly SIMD.
 * Its memory holds the two output halves, then the four sign vectors, written once.
 */
function wasmRotation(size: number): Rotation | undefined {
  const known = rotations.get(size);
  if (known) return known;
  if (rotationModule === undefined) {
    try {
      rotationModule = new WebAssembly.Module(Buffer.from(ROTATION_WASM_BASE64, "base64"));
    } catch {
      rotationModule = null;
    }
  }
  if (!rotationModule || size < 8) return undefined;
  const bytes = size * 4;
  const memory = new WebAssembly.Memory({ initial: Math.ceil((6 * bytes) / 65536) });
  const instance = new WebAssembly.Instance(rotationModule, { env: { memory } });
  const run = instance.exports.signed_hadamard as (x: number, signs: number, size: number) => void;
  const halves = new Float32Array(memory.buffer, 0, 2 * size);
  rotationSigns(size).forEach((signs, i) => {
    new Float32Array(memory.buffer, (2 + i) * bytes, size).set(signs);
  });
  const rotation: Rotation = (v) => {
    halves.fill(0);
    halves.set(v, 0);
    halves.set(v, size);
    run(0, 2 * bytes, size);
    run(0, 3 * bytes, size);
    run(bytes, 4 * bytes, size);
    run(bytes, 5 * bytes, size);
    return halves.slice();
  };
  rotations.set(size, rotation);
  return rotation;
}
