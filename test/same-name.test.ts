import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { distinctSource } from "../src/store/distinct-source.js";
import { cli } from "./helpers/app.js";
import { tempDir } from "./helpers/tmp.js";

/** Two folders can both hold README.md: their passages must not be cited alike. */
describe("documents with the same source in two ingested folders", () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it("are shown with the folder they were ingested from; a source no other document has stays as it is", async () => {
    const write = (rel: string, body: string) => {
      fs.mkdirSync(path.dirname(path.join(tmp.dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(tmp.dir, rel), body);
    };
    write("kettle/README.md", "# Kettle\n\nDescale the kettle every four weeks.\n");
    write("toaster/README.md", "# Toaster\n\nEmpty the crumb tray of the toaster weekly.\n");
    write("toaster/parts.md", "# Parts\n\nThe toaster has a crumb tray and a lever.\n");
    const env = { OLLAMA_HOST: "127.0.0.1:9", GROUNDED_DB: path.join(tmp.dir, "index.db") };
    const ingest = await cli(["ingest", path.join(tmp.dir, "kettle"), path.join(tmp.dir, "toaster")], env);
    expect(ingest.code, ingest.stderr).toBe(0);

    const search = await cli(["search", "kettle toaster crumb tray", "--json", "--mode", "lexical"], env);
    const sources = (JSON.parse(search.stdout) as { results: { source: string }[] }).results.map(
      (r) => r.source,
    );
    expect(sources.sort()).toEqual(["kettle/README.md", "parts.md", "toaster/README.md"]);
    // The --source filter still takes the source as stored.
    const filtered = await cli(["search", "kettle", "--source", "README", "--mode", "lexical"], env);
    expect(filtered.stdout).toContain("1. kettle/README.md, section");
  });

  it("take as many folders as it needs to tell them apart, with either kind of path", () => {
    expect(distinctSource("/x/docs/README.md", "README.md", [], path.posix)).toBe("README.md");
    expect(distinctSource("/x/docs/README.md", "README.md", ["/y/docs/README.md"], path.posix)).toBe(
      "x/docs/README.md",
    );
    expect(
      distinctSource(
        "/x/docs/a/README.md",
        "a/README.md",
        ["/x/notes/a/README.md", "/y/docs/a/README.md"],
        path.posix,
      ),
    ).toBe("x/docs/a/README.md");
    expect(
      distinctSource("C:\\Users\\me\\Papers\\a.pdf", "a.pdf", ["D:\\Papers\\old\\a.pdf"], path.win32),
    ).toBe("Papers/a.pdf");
    // A file ingested on its own has its name as its source: its folder tells it apart.
    expect(distinctSource("/m/kettle/guide.md", "guide.md", ["/m/toaster/guide.md"], path.posix)).toBe(
      "kettle/guide.md",
    );
  });
});
