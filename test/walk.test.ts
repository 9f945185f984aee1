import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceFor, walk } from "../ingest/walk.js";
import { ValidationError } from "../src/errors.js";

let root: string;

async function collect(start: string): Promise<string[]> {
  const files: string[] = [];
  for await (const file of walk(start)) files.push(file);
  return files;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "grounded-walk-"));
  const files = [
    "b.md",
    "a.txt",
    "Notes With Spaces.md",
    "借閱規則.md",
    "emoji 🌱 plants.txt",
    "REPORT.PDF",
    "image.png",
    "sub/deep/inner.html",
    ".hidden.md",
    ".git/config.md",
    "node_modules/pkg/readme.md",
  ];
  for (const file of files) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), "text");
  }
  // A link back up the tree: following it naively would never end.
  await symlink(root, path.join(root, "sub", "loop"), "dir").catch(() => undefined);
  await symlink(path.join(root, "missing"), path.join(root, "dangling.md")).catch(() => undefined);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("walk", () => {
  it("yields supported files in sorted order, skipping hidden entries, node_modules and symlink loops", async () => {
    const files = await collect(root);
    expect(files.map((f) => path.relative(root, f).split(path.sep).join("/"))).toEqual([
      "Notes With Spaces.md",
      "REPORT.PDF",
      "a.txt",
      "b.md",
      "emoji 🌱 plants.txt",
      "sub/deep/inner.html",
      "借閱規則.md",
    ]);
    for (const file of files) expect(path.isAbsolute(file)).toBe(true);
  });

  it("yields a single file argument as it is, whatever its extension", async () => {
    const file = path.join(root, "image.png");
    expect(await collect(file)).toEqual([file]);
  });

  it("follows a symlinked folder outside the tree once", async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), "grounded-walk-out-"));
    const inside = await mkdtemp(path.join(os.tmpdir(), "grounded-walk-in-"));
    try {
      await writeFile(path.join(outside, "shared.md"), "text");
      await symlink(outside, path.join(inside, "link1"), "dir");
      await symlink(outside, path.join(inside, "link2"), "dir");
      const files = await collect(inside);
      expect(files).toEqual([path.join(inside, "link1", "shared.md")]);
    } finally {
      await rm(outside, { recursive: true, force: true });
      await rm(inside, { recursive: true, force: true });
    }
  });

  it("explains a path that does not exist", async () => {
    await expect(collect(path.join(root, "nope"))).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("sourceFor", () => {
  it("gives the path relative to the ingested folder with forward slashes", () => {
    expect(sourceFor(root, path.join(root, "sub", "deep", "inner.html"))).toBe("sub/deep/inner.html");
    expect(sourceFor(root, path.join(root, "借閱規則.md"))).toBe("借閱規則.md");
  });

  it("gives the base name for a single-file argument", () => {
    const file = path.join(root, "emoji 🌱 plants.txt");
    expect(sourceFor(file, file)).toBe("emoji 🌱 plants.txt");
  });

  it("works with Windows paths", () => {
    const win = path.win32;
    expect(sourceFor("C:\\Users\\Mei\\Documents", "C:\\Users\\Mei\\Documents\\手冊\\Kettle K2.md", win)).toBe(
      "手冊/Kettle K2.md",
    );
    expect(sourceFor("C:\\Docs\\guide.pdf", "C:\\Docs\\guide.pdf", win)).toBe("guide.pdf");
    expect(sourceFor("\\\\server\\share\\docs", "\\\\server\\share\\docs\\a\\b.txt", win)).toBe("a/b.txt");
  });
});
