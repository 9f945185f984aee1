import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importCircles, readImportGraph } from "./import-graph.js";

const ROOT = path.join(import.meta.dirname, "..", "..");

/**
 * The layers of src/, lowest first, as docs/architecture.md draws them. A module may import its own layer
 * and the layers below it, never one above. ingest/ (the pipeline) stands beside the query side: it may
 * import src/ up to retrieval (calibration runs at the end of an ingest), not the answerer, service or
 * server. cli/ is the composition root and may import anything; nothing imports it.
 */
const SRC_LAYERS: readonly (readonly string[])[] = [
  [
    "src/errors.ts",
    "src/document.ts",
    "src/version.ts",
    "src/cli-name.ts",
    "src/user-path.ts",
    "src/index-location.ts",
    "src/limiter.ts",
    "src/thread-argv.ts",
    "src/thread-priority.ts",
    "src/package-root.ts",
    "src/text/",
  ],
  ["src/ollama/"],
  ["src/config.ts"],
  ["src/embedding/"],
  ["src/store/"],
  ["src/retrieval/"],
  ["src/answer/"],
  ["src/service/"],
  ["src/mcp/"],
  ["src/server/"],
];
const INGEST_MAY_REACH = SRC_LAYERS.findIndex((l) => l.includes("src/retrieval/"));

function layerOf(module: string): number | "ingest" | "cli" {
  if (module.startsWith("cli/")) return "cli";
  if (module.startsWith("ingest/")) return "ingest";
  const i = SRC_LAYERS.findIndex((layer) =>
    layer.some((p) => (p.endsWith("/") ? module.startsWith(p) : module === p)),
  );
  if (i === -1)
    throw new Error(`${module} belongs to no layer: place it in SRC_LAYERS and docs/architecture.md`);
  return i;
}

function allowed(from: string, to: string): boolean {
  const a = layerOf(from);
  const b = layerOf(to);
  if (a === "cli") return true;
  if (b === "cli") return false;
  if (a === "ingest") return b === "ingest" || b <= INGEST_MAY_REACH;
  return b !== "ingest" && b <= a;
}

describe("the architecture docs/architecture.md draws is the one the code has", () => {
  const graph = readImportGraph(ROOT);

  it("reads the whole product (a check that finds nothing would pass anything)", () => {
    expect(graph.modules).toContain("cli/main.ts");
    expect(graph.modules).toContain("src/retrieval/retriever.ts");
    expect(graph.imports.get("src/retrieval/retriever.ts")).toContain("src/retrieval/search-index.ts");
    expect(graph.modules.length).toBeGreaterThan(100);
  });

  it("has no import circles", () => {
    expect(importCircles(graph)).toEqual([]);
  });

  it("imports only downwards: no layer imports one above it, src/ never imports ingest/ or cli/", () => {
    for (const m of graph.modules) layerOf(m);
    const upward = [...graph.imports].flatMap(([from, targets]) =>
      targets.filter((to) => !allowed(from, to)).map((to) => `${from} -> ${to}`),
    );
    expect(upward).toEqual([]);
  });

  it("the rule itself refuses an upward import (so the check above can fail)", () => {
    expect(allowed("src/store/store.ts", "src/retrieval/retriever.ts")).toBe(false);
    expect(allowed("src/server/app.ts", "cli/main.ts")).toBe(false);
    expect(allowed("ingest/pipeline.ts", "src/server/app.ts")).toBe(false);
    expect(allowed("src/retrieval/retriever.ts", "src/store/store.ts")).toBe(true);
    expect(
      importCircles({
        modules: ["a", "b"],
        imports: new Map([
          ["a", ["b"]],
          ["b", ["a"]],
        ]),
      }),
    ).toEqual([["a", "b"]]);
  });

  it("docs/architecture.md lists the layers in the same order, top to bottom", () => {
    const doc = fs.readFileSync(path.join(ROOT, "docs", "architecture.md"), "utf8");
    const block = /<!-- layers -->\s*```[^\n]*\n([\s\S]*?)```/.exec(doc)?.[1];
    if (!block) throw new Error("docs/architecture.md has no ```-block after <!-- layers -->");
    const drawn = block
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/)[0] ?? "")
      .filter((first) => /^(src|ingest|cli)\//.test(first))
      .map((first) => first.split(/\s+/).sort().join(" "));
    // Top to bottom: cli/, the src/ layers from the server down, with ingest/ drawn just above retrieval.
    const expected = ["cli/"];
    for (const layer of [...SRC_LAYERS].reverse()) {
      if (layer.includes("src/retrieval/")) expected.push("ingest/");
      expected.push([...layer].sort().join(" "));
    }
    expect(drawn).toEqual(expected);
  });
});
