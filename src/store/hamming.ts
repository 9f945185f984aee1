import { HAMMING_WASM_BASE64 } from "./hamming-wasm.js";

/**
 * Binary codes of the whole index held in memory, and the scan for the codes nearest a query's by Hamming
 * distance. The scan runs in WebAssembly with SIMD (src/store/hamming.wat: xor, i8x16.popcnt, 16 bytes a
 * step), about ten times faster than the SWAR popcount in JavaScript (3 vs 25-35 ms for 100k 256-byte codes); the JavaScript scan stays as the
 * fallback for code sizes the WebAssembly loop does not take and for runtimes without SIMD.
 */
export interface CodeSet {
  readonly size: number;
  readonly bytesPerCode: number;
  /** Store row `row` (0-based, < size) with its id and code; every row is set once before searching. */
  set(row: number, id: number, code: Uint8Array): void;
  /** The `count` ids whose codes are nearest `query` (ties broken by id). */
  nearest(query: Uint8Array, count: number): number[];
  /** Whether the scan runs in WebAssembly. */
  readonly simd: boolean;
}

let wasmModule: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this runtime cannot compile it (no WebAssembly SIMD). */
function hammingModule(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(Buffer.from(HAMMING_WASM_BASE64, "base64"));
    } catch {
      wasmModule = null;
    }
  }
  return wasmModule;
}

const PAGE = 65536;
const align16 = (x: number) => Math.ceil(x / 16) * 16;

/**
 * Room for `size` codes of `bytesPerCode` bytes. Layout of the WebAssembly memory: the query's code, then
 * the 16-bit distances of every row, then the codes one after another.
 */
export function createCodeSet(size: number, bytesPerCode: number, options: { wasm?: boolean } = {}): CodeSet {
  const module = options.wasm === false ? null : hammingModule();
  const useWasm = module !== null && bytesPerCode > 0 && bytesPerCode % 16 === 0 && bytesPerCode <= 4096;
  const queryAt = 0;
  const distancesAt = align16(bytesPerCode);
  const codesAt = align16(distancesAt + 2 * size);
  const total = codesAt + size * bytesPerCode;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(total / PAGE)) });
  const bytes = new Uint8Array(memory.buffer);
  const distances = new Uint16Array(memory.buffer, distancesAt, size);
  const ids = new Int32Array(size);
  const scan: (query: Uint8Array) => void = useWasm
    ? (() => {
        const instance = new WebAssembly.Instance(module as WebAssembly.Module, { env: { memory } });
        const hamming = instance.exports.hamming as (
          codes: number,
          n: number,
          bytes: number,
          query: number,
          out: number,
        ) => void;
        return (query) => {
          bytes.set(query, queryAt);
          hamming(codesAt, size, bytesPerCode, queryAt, distancesAt);
        };
      })()
    : (query) => scanInJs(bytes, codesAt, size, bytesPerCode, query, distances);

  return {
    size,
    bytesPerCode,
    simd: useWasm,
    set(row, id, code) {
      if (code.length !== bytesPerCode)
        throw new Error(`Code of ${code.length} bytes, expected ${bytesPerCode}`);
      ids[row] = id;
      bytes.set(code, codesAt + row * bytesPerCode);
    },
    nearest(query, count) {
      if (query.length !== bytesPerCode) return [];
      scan(query);
      return selectNearest(ids, distances, count, bytesPerCode * 8);
    },
  };
}

/** The fallback scan: SWAR popcount of 32-bit words (codes start 16-byte aligned, so whole words line up). */
function scanInJs(
  bytes: Uint8Array,
  codesAt: number,
  size: number,
  bytesPerCode: number,
  query: Uint8Array,
  out: Uint16Array,
): void {
  if (bytesPerCode % 4 !== 0) {
    for (let r = 0, base = codesAt; r < size; r++, base += bytesPerCode) {
      let d = 0;
      for (let b = 0; b < bytesPerCode; b++)
        d += popcount32((bytes[base + b] as number) ^ (query[b] as number));
      out[r] = d;
    }
    return;
  }
  const wordsPerCode = bytesPerCode / 4;
  const words = new Uint32Array(bytes.buffer, codesAt, size * wordsPerCode);
  const q = new Uint32Array(wordsPerCode);
  new Uint8Array(q.buffer).set(query);
  for (let r = 0, base = 0; r < size; r++, base += wordsPerCode) {
    let d = 0;
    for (let w = 0; w < wordsPerCode; w++) d += popcount32((words[base + w] as number) ^ (q[w] as number));
    out[r] = d;
  }
}

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** The ids of the `count` smallest distances, by a histogram of distances (no sort of all rows). */
function selectNearest(
  ids: Int32Array,
  distances: Uint16Array,
  count: number,
  maxDistance: number,
): number[] {
  const n = ids.length;
  const histogram = new Uint32Array(maxDistance + 1);
  for (let r = 0; r < n; r++) {
    const d = distances[r] as number;
    histogram[d] = (histogram[d] as number) + 1;
  }
  // The largest distance still inside the nearest `count`; rows at it fill the remaining places.
  let limit = 0;
  for (let seen = 0; limit < histogram.length; limit++) {
    seen += histogram[limit] as number;
    if (seen >= count) break;
  }
  const out: number[] = [];
  const atLimit: number[] = [];
  for (let r = 0; r < n; r++) {
    const d = distances[r] as number;
    if (d < limit) out.push(ids[r] as number);
    else if (d === limit) atLimit.push(ids[r] as number);
  }
  atLimit.sort((a, b) => a - b);
  return out.concat(atLimit.slice(0, Math.max(0, count - out.length)));
}
