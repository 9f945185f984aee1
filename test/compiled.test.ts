import { spawnSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compiledIsCurrent } from "../bin/compiled.mjs";
import { ensureCompiled, startServeProcess } from "./helpers/grounded-process.js";
import { tempDir } from "./helpers/tmp.js";

const REPO = path.join(import.meta.dirname, "..");

/** Sets a file's modification time `seconds` from now. */
const touch = (file: string, seconds: number) => {
  const at = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(file, at, at);
};

describe("bin/compiled.mjs: dist/ is used only while it is newer than every source", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir();
    for (const dir of ["cli", "src/store", "ingest", "dist"])
      fs.mkdirSync(path.join(tmp.dir, dir), { recursive: true });
    for (const file of ["cli/main.ts", "src/store/store.ts", "ingest/walk.ts", "tsconfig.json"]) {
      fs.writeFileSync(path.join(tmp.dir, file), "export {};\n");
      touch(path.join(tmp.dir, file), -60);
    }
  });
  afterAll(() => tmp.cleanup());

  it("is not current before a build, is after one, and is not once a source or a setting changes", () => {
    expect(compiledIsCurrent(tmp.dir)).toBe(false);
    const stamp = path.join(tmp.dir, "dist", ".built");
    fs.writeFileSync(stamp, "built\n");
    touch(stamp, -30);
    expect(compiledIsCurrent(tmp.dir)).toBe(true);
    // A file that is not TypeScript (the web page's script, a thread's .mjs shim) is not compiled.
    fs.writeFileSync(path.join(tmp.dir, "src", "notes.md"), "x");
    expect(compiledIsCurrent(tmp.dir)).toBe(true);
    touch(path.join(tmp.dir, "src/store/store.ts"), 0);
    expect(compiledIsCurrent(tmp.dir)).toBe(false);
    touch(path.join(tmp.dir, "src/store/store.ts"), -60);
    expect(compiledIsCurrent(tmp.dir)).toBe(true);
    touch(path.join(tmp.dir, "tsconfig.json"), 0);
    expect(compiledIsCurrent(tmp.dir)).toBe(false);
  });

  it("the launcher runs dist/ while it is current and the TypeScript through tsx when a source is newer", () => {
    const root = path.join(tmp.dir, "launcher");
    fs.mkdirSync(path.join(root, "bin"), { recursive: true });
    for (const f of ["grounded.mjs", "compiled.mjs"])
      fs.copyFileSync(path.join(REPO, "bin", f), path.join(root, "bin", f));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"));
    fs.writeFileSync(path.join(root, "package.json"), '{ "type": "module" }\n');
    fs.mkdirSync(path.join(root, "cli"));
    fs.mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
    const says = (what: string) => `export function runFromProcess(): void { console.log("${what}"); }\n`;
    fs.writeFileSync(path.join(root, "cli", "main.ts"), says("typescript"));
    fs.writeFileSync(path.join(root, "dist", "cli", "main.js"), says("compiled").replace(": void", ""));
    touch(path.join(root, "cli", "main.ts"), -60);
    fs.writeFileSync(path.join(root, "dist", ".built"), "built\n");
    const run = () =>
      spawnSync(process.execPath, [path.join(root, "bin", "grounded.mjs")], {
        encoding: "utf8",
        timeout: 30_000,
      });
    expect(run().stdout).toBe("compiled\n");
    touch(path.join(root, "cli", "main.ts"), 5);
    const edited = run();
    expect(edited.stdout, edited.stderr).toBe("typescript\n");
  }, 60_000);
});

/**
 * The compiled command line and service (dist/, as `npm ci` builds it) with everything that finds files by
 * path rather than by import: the samples, package.json's version, the web page, the PDF reader's plain-JS
 * thread, and the commit, search and writer threads' compiled entry points.
 */
describe("grounded compiled to dist/", () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(() => {
    expect(ensureCompiled()).toBe(true);
    tmp = tempDir();
    fs.cpSync(path.join(REPO, "data", "samples"), path.join(tmp.dir, "docs"), { recursive: true });
    env = { GROUNDED_DB: path.join(tmp.dir, "index.db"), OLLAMA_HOST: "127.0.0.1:9", GROUNDED_PORT: "0" };
  }, 180_000);
  afterAll(() => tmp.cleanup());

  const grounded = (args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO, "dist", "cli", "main.js"), ...args], {
      cwd: tmp.dir,
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 60_000,
    });

  it("ingests the samples (a PDF among them) on its commit thread, then searches and serves them", async () => {
    const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
      version: string;
    };
    expect(grounded(["--version"]).stdout).toBe(`grounded ${version.version}\n`);
    const ingest = grounded(["ingest", path.join(tmp.dir, "docs")]);
    expect(ingest.status, ingest.stderr).toBe(0);
    expect(ingest.stdout, ingest.stderr).toContain("Done: 4 added");
    expect(ingest.stdout).toContain("greenhouse-handbook.pdf");
    expect(ingest.stdout).not.toMatch(/failed\s+greenhouse/);

    // The ingest above may finish before its commit thread has loaded (then it commits in-process): start
    // one and wait for it.
    const dist = (...parts: string[]) =>
      JSON.stringify(pathToFileURL(path.join(REPO, "dist", ...parts)).href);
    // A script file, not `node -e`: a thread inherits the process's flags, and --input-type is refused there.
    const script = path.join(tmp.dir, "commit-thread.mjs");
    fs.writeFileSync(
      script,
      `const { openStore } = await import(${dist("src", "store", "store.js")});
       const { commitOnThread } = await import(${dist("ingest", "threaded-commits.js")});
       const store = openStore(${JSON.stringify(env.GROUNDED_DB)});
       const commits = commitOnThread(store);
       const alive = setInterval(() => {}, 1000); // the thread is unref'd: keep this process up for it
       console.log(await commits.ready);
       clearInterval(alive);
       await commits.close();
       await store.close();\n`,
    );
    const thread = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
    expect(thread.stdout, thread.stderr).toBe("true\n");

    const { child, url } = await startServeProcess(path.join(REPO, "dist", "cli", "main.js"), env);
    try {
      const page = await fetch(`${url}/`, { headers: { accept: "text/html" } });
      expect(await page.text()).toContain("<!doctype html>");
      expect((await fetch(`${url}/web/app.js`)).status).toBe(200);
      const search = await fetch(`${url}/api/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "How often should I descale the kettle?", k: 1 }),
      });
      const found = (await search.json()) as { results: { source: string }[] };
      expect(found.results[0]?.source).toBe("kettle-k2-guide.md");
      // An upload goes through the index writer's thread.
      const form = new FormData();
      form.append("file", new Blob(["# Pump\n\nThe bilge pump warranty lasts two years.\n"]), "pump.md");
      const upload = await fetch(`${url}/api/documents`, { method: "POST", body: form });
      expect(upload.status, await upload.clone().text()).toBe(201);
      const pump = await fetch(`${url}/api/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "bilge pump warranty", k: 1 }),
      });
      expect(((await pump.json()) as { results: { source: string }[] }).results[0]?.source).toBe("pump.md");
    } finally {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  }, 120_000);
});
