import { describe, expect, it } from "vitest";
import { compileWat, WAT_SOURCES } from "./tools/wasm.js";

describe("the committed WebAssembly", () => {
  for (const source of WAT_SOURCES) {
    it(`src/store/${source.name}-wasm.ts holds what src/store/${source.name}.wat compiles to`, async () => {
      const generated = (await import(source.generated)) as Record<string, string>;
      const bytes = await compileWat(source.wat);
      expect(Buffer.from(bytes).toString("base64")).toBe(generated[source.constant]);
    });
  }
});
