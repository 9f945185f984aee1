import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";

/**
 * Compiles src/store/hamming.wat to WebAssembly bytes with wabt. `npx tsx test/tools/hamming-wasm.ts
 * --write` regenerates src/store/hamming-wasm.ts; test/hamming.test.ts checks that the committed bytes are
 * what the committed source compiles to.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WAT_FILE = path.join(root, "src/store/hamming.wat");
export const GENERATED_FILE = path.join(root, "src/store/hamming-wasm.ts");

export async function compileHammingWat(): Promise<Uint8Array> {
  const w = await wabt();
  const module = w.parseWat("hamming.wat", fs.readFileSync(WAT_FILE, "utf8"), { simd: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export function generatedSource(bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString("base64");
  return (
    "// Generated from hamming.wat by `npx tsx test/tools/hamming-wasm.ts --write`; do not edit.\n" +
    `export const HAMMING_WASM_BASE64 =\n  "${base64}";\n`
  );
}

if (process.argv.includes("--write")) {
  const bytes = await compileHammingWat();
  fs.writeFileSync(GENERATED_FILE, generatedSource(bytes));
  process.stdout.write(`wrote ${GENERATED_FILE} (${bytes.length} bytes of WebAssembly)\n`);
}
