import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { asTyped, commandForm } from "../src/cli-name.js";
import { loadConfig } from "../src/config.js";
import { resolveUserPath, userCwd } from "../src/user-path.js";
import { cli } from "./helpers/app.js";
import { spawnCli } from "./helpers/child-ingest.js";
import { tempDir } from "./helpers/tmp.js";

const REPO = path.join(import.meta.dirname, "..");
// What `npm run grounded -- …` puts in the environment of the script it starts.
const NPM_RUN = { npm_lifecycle_event: "grounded", npm_lifecycle_script: "tsx cli/main.ts" };
// Nothing listens on port 9: ingest falls back to the built-in embedder at once.
const NO_OLLAMA = { OLLAMA_HOST: "127.0.0.1:9" };

describe("paths are read from the folder the user ran the command in", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("`cd sub && npm run ingest -- docs` with GROUNDED_DB=rel.db reads sub/docs and writes sub/rel.db", async () => {
    const sub = path.join(tmp.dir, "sub");
    fs.mkdirSync(path.join(sub, "docs"), { recursive: true });
    fs.writeFileSync(path.join(sub, "docs", "kettle.md"), "# Kettle\n\nDescale the kettle once a month.\n");
    // npm starts the script in the package root (the child's cwd is the repository) and sets INIT_CWD.
    const child = spawnCli(["ingest", "docs"], {
      ...NPM_RUN,
      ...NO_OLLAMA,
      INIT_CWD: sub,
      GROUNDED_DB: "rel.db",
    });
    const r = await child.exited;
    expect(r.stderr).not.toContain("does not exist");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Ingesting into ${path.join(sub, "rel.db")}`);
    expect(fs.existsSync(path.join(sub, "rel.db"))).toBe(true);
    expect(fs.existsSync(path.join(REPO, "rel.db"))).toBe(false);
    expect(r.stdout).toContain("Done: 1 added");
    // The fallback warning names the command that works from a clone.
    expect(r.stderr).toContain("run `npm run grounded -- ingest --reindex <folder>`");
  }, 60_000);

  it("a leading ~ in a folder argument and in --db is the home folder", async () => {
    fs.mkdirSync(path.join(tmp.dir, "notes"));
    fs.writeFileSync(path.join(tmp.dir, "notes", "a.md"), "# A\n\nThe filter is rinsed weekly.\n");
    // As PowerShell 5.1 (or a quoted argument) passes it: the ~ reaches grounded unexpanded.
    const child = spawnCli(["ingest", "~/notes", "--db", "~\\idx.db"], {
      ...NO_OLLAMA,
      HOME: tmp.dir,
      USERPROFILE: tmp.dir,
    });
    const r = await child.exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Ingesting into ${path.join(tmp.dir, "idx.db")}`);
    expect(r.stdout).toContain("Done: 1 added");
    // Installed as a command, the message says `grounded`.
    expect(r.stderr).toContain("run `grounded ingest --reindex <folder>`");
  }, 60_000);

  it("a missing folder is reported as the absolute path it was looked for at", async () => {
    const r = await cli(["ingest", "nope"], { ...NO_OLLAMA, INIT_CWD: tmp.dir, GROUNDED_DB: "x.db" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: ${path.join(tmp.dir, "nope")} does not exist. Check the path; nothing was ingested.\n`,
    );
  });

  it("eval set folders and --watch folders are read from INIT_CWD too; status names the npm form", async () => {
    const env = { ...NO_OLLAMA, INIT_CWD: tmp.dir, GROUNDED_DB: "x.db" };
    const evalRun = await cli(["eval", "set"], env);
    expect(evalRun.stderr).toContain(`error: ${path.join(tmp.dir, "set")} is not an evaluation set`);
    const serve = await cli(["serve", "--port", "0", "--watch", "gone"], env);
    expect(serve.stderr).toBe(
      `error: Cannot watch ${path.join(tmp.dir, "gone")}: it does not exist. Check the path, or create the folder first.\n`,
    );
    const status = await cli(["status"], { ...env, ...NPM_RUN });
    expect(status.stdout).toContain(
      `index   ${path.join(tmp.dir, "x.db")} (not created yet: run npm run grounded -- ingest <folder>)`,
    );
    expect(fs.readdirSync(tmp.dir)).toEqual([]);
  });

  it("resolves ~, ~/x, ~\\x and relative paths; INIT_CWD wins over the process folder", () => {
    const home = path.join(tmp.dir, "home");
    expect(resolveUserPath("/w", "~", home)).toBe(home);
    expect(resolveUserPath("/w", "~/docs/a", home)).toBe(path.join(home, "docs", "a"));
    expect(resolveUserPath("/w", "~\\docs", home)).toBe(path.join(home, "docs"));
    expect(resolveUserPath(tmp.dir, "docs", home)).toBe(path.join(tmp.dir, "docs"));
    expect(resolveUserPath(tmp.dir, "~docs", home)).toBe(path.join(tmp.dir, "~docs"));
    expect(userCwd({ INIT_CWD: tmp.dir }, "/repo")).toBe(tmp.dir);
    expect(userCwd({}, "/repo")).toBe("/repo");
  });

  it("GROUNDED_DB is read from the user's folder; the default index stays under the base folder", () => {
    const dirs = { cwd: path.join(tmp.dir, "user"), base: path.join(tmp.dir, "repo"), home: tmp.dir };
    expect(loadConfig({ GROUNDED_DB: "rel.db" }, {}, dirs).db).toBe(path.join(dirs.cwd, "rel.db"));
    expect(loadConfig({ GROUNDED_DB: "~/i.db" }, {}, dirs).db).toBe(path.join(tmp.dir, "i.db"));
    expect(loadConfig({}, { db: "o.db" }, dirs).db).toBe(path.join(dirs.cwd, "o.db"));
    expect(loadConfig({}, {}, dirs).db).toBe(path.join(dirs.base, "data", "grounded.db"));
  });
});

describe("messages name the command the way this user runs it", () => {
  it("npm run from a clone gives `npm run grounded --`; anything else `grounded`", () => {
    expect(commandForm(NPM_RUN)).toBe("npm run grounded --");
    expect(
      commandForm({ npm_lifecycle_event: "ingest", npm_lifecycle_script: "tsx cli/main.ts ingest" }),
    ).toBe("npm run grounded --");
    expect(commandForm({})).toBe("grounded");
    // `npx grounded`, or grounded started from another project's npm script.
    expect(commandForm({ npm_lifecycle_event: "npx", npm_lifecycle_script: "grounded" })).toBe("grounded");
    expect(asTyped("grounded ask\n  grounded serve", "npm run grounded --")).toBe(
      "npm run grounded -- ask\n  npm run grounded -- serve",
    );
  });

  it("a bad flag and the usage say `npm run grounded -- …` under npm run", async () => {
    const r = await cli(["search", "kettle", "--bogus"], { ...NPM_RUN, ...NO_OLLAMA });
    expect(r.stderr).toBe(
      "error: grounded search has no flag --bogus. Run `npm run grounded -- search --help` for its flags.\n",
    );
    const help = await cli(["--help"], NPM_RUN);
    expect(help.stdout).toContain("  npm run grounded -- ingest <file-or-folder>...");
    const ask = await cli(["ask", "--help"], NPM_RUN);
    expect(ask.stdout).toMatch(/^npm run grounded -- ask "<question>"/);
  });
});
