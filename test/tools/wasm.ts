import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import wabt from "wabt";

/**
 * Compiles the WebAssembly text sources in src/store (hamming.wat, rotation.wat) with wabt.
 * `npx tsx test/tools/wasm.ts --write` regenerates each `<name>-wasm.ts` beside its `.wat`;
 * test/wasm.test.ts checks that the committed bytes are what the committed sources compile to.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WAT_SOURCES = ["hamming", "rotation"].map((name) => ({
  name,
  wat: path.join(root, `src/store/${name}.wat`),
  generated: path.join(root, `src/store/${name}-wasm.ts`),
  constant: `${name.toUpperCase()}_WASM_BASE64`,
}));

export async function compileWat(file: string): Promise<Uint8Array> {
  const w = await wabt();
  const module = w.parseWat(path.basename(file), fs.readFileSync(file, "utf8"), { simd: true });
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export function generatedSource(name: string, constant: string, bytes: Uint8Array): string {
  const base64 = Buffer.from(bytes).toString("base64");
  return (
    `// Generated from ${name}.wat by \`npx tsx test/tools/wasm.ts --write\`; do not edit.\n` +
    `export const ${constant} =\n  "${base64}";\n`
  );
}

if (process.argv.includes("--write")) {
  for (const source of WAT_SOURCES) {
    const bytes = await compileWat(source.wat);
    fs.writeFileSync(source.generated, generatedSource(source.name, source.constant, bytes));
    process.stdout.write(`wrote ${source.generated} (${bytes.length} bytes of WebAssembly)\n`);
  }
}
