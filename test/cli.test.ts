import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { usageLine } from "../cli/command.js";
import { COMMANDS } from "../cli/main.js";
import { cli } from "./helpers/app.js";
import { tempDir } from "./helpers/tmp.js";

/** The command line's own manners: help for every command, plain words for bad flags and paths. */
describe("grounded on the command line", () => {
  let tmp: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    tmp = tempDir();
    // Nothing listens on port 9: a command that wrongly runs finds no Ollama quickly instead of hanging.
    env = { GROUNDED_DB: path.join(tmp.dir, "index.db"), OLLAMA_HOST: "127.0.0.1:9" };
  });
  afterEach(() => tmp.cleanup());

  it.each([
    ["ask", /^grounded ask "<question>" \[--k N\]/],
    ["search", /^grounded search "<query>" \[--k N\] \[--mode/],
    ["status", /^grounded status \[--check\]/],
    ["demo", /^grounded demo /],
    ["ingest", /^grounded ingest <file-or-folder>/],
    ["serve", /^grounded serve /],
    ["pull", /^grounded pull/],
    ["eval", /grounded eval /],
  ])("%s --help prints its usage, exit 0, and does nothing else", async (command, usage) => {
    for (const flag of ["--help", "-h"]) {
      const r = await cli([command, flag], env);
      expect(r.code, `${command} ${flag}`).toBe(0);
      expect(r.stdout).toMatch(usage);
      expect(r.stderr).toBe("");
    }
    expect(fs.existsSync(env.GROUNDED_DB as string)).toBe(false);
  });

  it("the overview and every command's --help come from the commands' definitions: each flag with what it does", async () => {
    const overview = await cli(["--help"], env);
    expect(overview.code).toBe(0);
    for (const command of COMMANDS) {
      expect(overview.stdout).toContain(`grounded ${command.name}`);
      expect(overview.stdout).toContain(command.summary);
      const help = await cli([command.name, "--help"], env);
      expect(help.stdout.split("\n")[0]).toBe(usageLine(command));
      for (const [flag, def] of Object.entries(command.flags)) {
        expect(help.stdout).toMatch(
          new RegExp(`^  --${flag}\\b.*  ${def.help.replace(/[()|]/g, "\\$&")}$`, "m"),
        );
      }
      for (const flag of command.common) expect(help.stdout).toMatch(new RegExp(`^  --${flag}\\b`, "m"));
    }
    for (const flag of ["--version", "-V", "version"]) {
      const version = await cli([flag], env);
      expect(version.code).toBe(0);
      expect(version.stdout).toMatch(/^grounded \d+\.\d+\.\d+\n$/);
    }
    const unknown = await cli(["frobnicate"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown command "frobnicate"\.\n\ngrounded: ask questions/);
  });

  it("an unknown flag or a flag without its value is said plainly, with the help that lists the flags", async () => {
    const unknown = await cli(["search", "kettle", "--bogus"], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "error: grounded search has no flag --bogus. Run `grounded search --help` for its flags.\n",
    );
    const noValue = await cli(["ask", "why?", "--k"], env);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toBe("error: --k needs a value. Run `grounded ask --help` for its flags.\n");
    const value = await cli(["status", "--json=yes"], env);
    expect(value.stderr).toBe("error: --json takes no value. Run `grounded status --help` for its flags.\n");
  });

  it("ingest of a path that does not exist is a usage error and creates no index", async () => {
    const missing = path.join(tmp.dir, "no-such-folder");
    const r = await cli(["ingest", missing], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: ${missing} does not exist. Check the path; nothing was ingested.\n`);
    expect(fs.readdirSync(tmp.dir)).toEqual([]);
  });
});
