import fs from "node:fs";
import path from "node:path";

/** Every relative import of the product's modules (cli/, src/, ingest/), type-only imports included. */
export interface ImportGraph {
  /** Repository-relative paths with forward slashes, e.g. `src/retrieval/retriever.ts`. */
  modules: string[];
  imports: Map<string, string[]>;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^"']*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^import\s*["'](\.{1,2}\/[^"']+)["']/gm;

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "web") walk(full, out);
    } else if (/\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(full);
  }
}

function resolveSpecifier(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  if (fs.existsSync(base)) return base;
  if (base.endsWith(".js") && fs.existsSync(`${base.slice(0, -3)}.ts`)) return `${base.slice(0, -3)}.ts`;
  throw new Error(`${from} imports ${specifier}, which does not exist`);
}

export function readImportGraph(root: string, folders = ["cli", "src", "ingest"]): ImportGraph {
  const files: string[] = [];
  for (const folder of folders) walk(path.join(root, folder), files);
  const rel = (p: string) => path.relative(root, p).split(path.sep).join("/");
  const imports = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    const targets = new Set<string>();
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec) targets.add(rel(resolveSpecifier(file, spec)));
    }
    imports.set(rel(file), [...targets].sort());
  }
  return { modules: files.map(rel).sort(), imports };
}

/** The import circles (strongly connected components of more than one module, or a module importing itself). */
export function importCircles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.imports.get(v) ?? []).includes(v)) circles.push(component.sort());
    }
  };
  for (const m of graph.modules) if (!index.has(m)) visit(m);
  return circles;
}
