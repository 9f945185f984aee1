import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers/tmp.js";

const REPO = path.join(import.meta.dirname, "..");

/**
 * The package as `npm install -g` lays it out: the packed files under lib/node_modules/grounded, its
 * dependencies beside them (here the repository's own, so the test needs no network), and bin/grounded a
 * symlink to the "bin" entry. The command then runs with nothing from npm in its environment.
 */
describe("the packed package gives a working `grounded` command", () => {
  let tmp: ReturnType<typeof tempDir>;
  let grounded: string;
  let files: string[];
  beforeAll(() => {
    tmp = tempDir();
    const packed = JSON.parse(
      // Without scripts: "prepare" would rebuild the repository's dist/ under the other tests' feet (the
      // package ships the TypeScript, not dist/, and runs it through tsx).
      execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp.dir], {
        cwd: REPO,
        encoding: "utf8",
      }),
    ) as { filename: string; files: { path: string }[] }[];
    const [pack] = packed;
    if (!pack) throw new Error("npm pack reported nothing");
    files = pack.files.map((f) => f.path);
    const root = path.join(tmp.dir, "lib", "node_modules", "grounded");
    fs.mkdirSync(root, { recursive: true });
    execFileSync("tar", ["xzf", path.join(tmp.dir, pack.filename), "-C", root, "--strip-components", "1"]);
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
    fs.mkdirSync(path.join(tmp.dir, "bin"));
    const bin = (
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { bin: Record<string, string> }
    ).bin.grounded as string;
    grounded = path.join(tmp.dir, "bin", "grounded");
    fs.symlinkSync(path.join(root, bin), grounded);
  }, 60_000);
  afterAll(() => tmp.cleanup());

  const run = (args: string[], cwd: string) =>
    spawnSync(grounded, args, {
      cwd,
      encoding: "utf8",
      // No npm, no npx, no tsx on PATH: only node.
      env: { PATH: path.dirname(process.execPath), HOME: cwd, OLLAMA_HOST: "127.0.0.1:9" },
      timeout: 30_000,
    });

  it("ships the command, the code it runs and the samples, not the tests", () => {
    for (const f of [
      "bin/grounded.mjs",
      "cli/main.ts",
      "src/retrieval/search-worker.mjs",
      "ingest/writer-worker.mjs",
      "src/server/web/app.js",
    ])
      expect(files).toContain(f);
    expect(files.some((f) => f.startsWith("data/samples/"))).toBe(true);
    expect(files.some((f) => f.startsWith("test/"))).toBe(false);
    expect(files.some((f) => f.startsWith("dist/"))).toBe(false);
  });

  it("`grounded --help` and an ingest of a relative folder work through the installed symlink", () => {
    const help = run(["--help"], tmp.dir);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("  grounded ingest <file-or-folder>...");
    const work = path.join(tmp.dir, "work");
    fs.mkdirSync(path.join(work, "notes"), { recursive: true });
    fs.writeFileSync(path.join(work, "notes", "a.md"), "# A\n\nRinse the filter weekly.\n");
    const ingest = run(["ingest", "notes", "--db", "~/idx.db"], work);
    expect(ingest.status, ingest.stderr).toBe(0);
    expect(ingest.stdout).toContain(`Ingesting into ${path.join(work, "idx.db")}`);
    expect(ingest.stdout).toContain("Done: 1 added");
    expect(ingest.stderr).toContain("run `grounded ingest --reindex <folder>`");
  }, 60_000);
});
