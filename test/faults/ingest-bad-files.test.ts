import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkIndex } from "../../src/store/check.js";
import { openStore } from "../../src/store/store.js";
import { cli } from "../helpers/app.js";
import { encodeLegacy } from "../helpers/legacy-encode.js";
import { makePdf } from "../helpers/make-pdf.js";
import { tempDir } from "../helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";

/**
 * One folder holding every kind of bad file next to good ones (some with awkward names), ingested once
 * through the CLI as a user would: each bad file gets one line saying what is wrong, every good file is
 * indexed and searchable, and the exit code and the summary tell the truth.
 */
describe("ingest of a folder with bad files among good ones", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let env: Record<string, string>;
  let run: { code: number; stdout: string; stderr: string };

  const good: Record<string, string> = {
    "kettle.md": "# Kettle\n\nDescale the kettle every four weeks with citric acid.\n",
    "my meeting notes.txt": "The quarterly review moves to the larch room on Thursday.\n",
    "會議記錄.md": "# 會議記錄\n\n下次會議在三樓的銀杏會議室舉行。\n",
    "🚀 launch plan.md": "# Launch\n\nThe rocket launch rehearsal uses the marmalade checklist.\n",
  };

  const BIG5_TEXT = "圖書逾期歸還，每本每天罰款新台幣五元；視聽資料每件每天罰款十元。\n";

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(path.join(docs, "sub"), { recursive: true });
    for (const [name, text] of Object.entries(good)) fs.writeFileSync(path.join(docs, name), text);
    // UTF-16 LE with a BOM, as Windows Notepad saves "Unicode": a good file, decoded rather than refused.
    const utf16 = "The greenhouse key hangs behind the pumpkin shelf.\n";
    fs.writeFileSync(
      path.join(docs, "utf16 notepad.txt"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf16, "utf16le")]),
    );
    fs.writeFileSync(path.join(docs, "corrupt.pdf"), makePdf([["Good text"]]).subarray(0, 200));
    fs.writeFileSync(path.join(docs, "encrypted.pdf"), makePdf([["Secret text"]], { encrypted: true }));
    fs.writeFileSync(path.join(docs, "scanned.pdf"), makePdf([[], []]));
    fs.writeFileSync(path.join(docs, "empty.txt"), "");
    fs.writeFileSync(path.join(docs, "binary.txt"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0]));
    // Legacy encodings, read with a note: a Windows-1252 note and a Big5 notice.
    fs.writeFileSync(path.join(docs, "latin1.txt"), Buffer.from("caf\xe9 cr\xe8me br\xfbl\xe9e\n", "latin1"));
    fs.writeFileSync(path.join(docs, "借閱 big5.txt"), encodeLegacy(BIG5_TEXT, "big5"));
    // Files of types grounded does not read: counted in the summary, not listed one by one.
    fs.writeFileSync(path.join(docs, "photo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    fs.writeFileSync(path.join(docs, "sub", "budget.xlsx"), "PK");
    // 200 MB without writing 200 MB: a sparse file.
    const huge = path.join(docs, "huge.txt");
    fs.writeFileSync(huge, "");
    fs.truncateSync(huge, 200 * 1024 * 1024);
    // A file link that points at itself, and a folder link back up the tree.
    fs.symlinkSync(path.join(docs, "loop.md"), path.join(docs, "loop.md"));
    fs.symlinkSync(docs, path.join(docs, "sub", "back-up"), "dir");
    env = {
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
      GROUNDED_MAX_FILE_MB: "150",
    };
    run = await cli(["ingest", docs], env);
  });

  afterAll(async () => {
    await ollama.close();
    tmp.cleanup();
  });

  const failedLine = (source: string) =>
    run.stdout.split("\n").filter((l) => l.startsWith("failed ") && l.includes(` ${source}: `));

  it.each([
    ["corrupt.pdf", /not a readable PDF \(damaged or not a PDF\)/],
    ["encrypted.pdf", /password-protected; remove the password/],
    ["scanned.pdf", /no text layer .*run OCR/],
    ["binary.txt", /looks like a binary file, not text/],
    ["huge.txt", /is 200(\.0)? MB, .*the 150(\.0)? MB limit; raise GROUNDED_MAX_FILE_MB/],
    ["loop.md", /symbolic link that loops/],
  ])("%s gets exactly one failed line with its reason", (source, reason) => {
    const lines = failedLine(source);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
    // One line, no stack trace and no absolute path repeated in the reason.
    expect(lines[0]).not.toMatch(/\n|at .*\.ts:\d+|Error:/);
  });

  it("an empty file is skipped, not failed: one line saying so", async () => {
    expect(run.stdout.split("\n").filter((l) => l.includes("empty.txt"))).toEqual([
      "skipped  empty.txt: is empty",
    ]);
  });

  it("legacy encodings are read, each with a note saying how", async () => {
    expect(run.stdout).toMatch(
      /^added\s+latin1\.txt \(1 chunk\): not UTF-8, read as Windows-1252 \(Western European\); if any text looks wrong, save the file as UTF-8 and ingest again$/m,
    );
    expect(run.stdout).toMatch(
      /^added\s+借閱 big5\.txt \(1 chunk\): not UTF-8, read as Big5 \(Traditional Chinese\);/m,
    );
  });

  it("exits 1 and the summary counts every good file as added, every bad one as failed, and the rest", async () => {
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/Done: 7 added, 0 updated, 0 unchanged, 0 removed, 6 failed, 1 skipped;/);
    expect(run.stdout).toMatch(
      /^2 files are of other types and were not read \(1 \.png, 1 \.xlsx\); supported: \.pdf \.md/m,
    );
  });

  it("names with spaces, Chinese characters and emoji, and UTF-16 text, are indexed once each", async () => {
    const store = openStore(env.GROUNDED_DB ?? "");
    try {
      const sources = (await store.listDocuments()).map((d) => d.source);
      expect(sources.sort()).toEqual(
        [...Object.keys(good), "utf16 notepad.txt", "latin1.txt", "借閱 big5.txt"].sort(),
      );
      // The folder link back up the tree was followed once, not forever and not twice.
      expect(checkIndex(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.each([
    ["citric acid descale", "kettle.md"],
    ["quarterly review larch room", "my meeting notes.txt"],
    ["銀杏會議室", "會議記錄.md"],
    ["marmalade checklist rehearsal", "🚀 launch plan.md"],
    ["greenhouse key pumpkin shelf", "utf16 notepad.txt"],
    ["crème brûlée", "latin1.txt"],
    ["視聽資料罰款", "借閱 big5.txt"],
  ])("the good file is searchable: %s → %s", async (query, source) => {
    const r = await cli(["search", query, "--json", "--k", "3"], env);
    expect(r.code).toBe(0);
    const results = JSON.parse(r.stdout).results as Array<{ source: string }>;
    expect(results[0]?.source).toBe(source);
  });

  // Tests run as root in CI containers, and root reads a chmod 000 file anyway: there is nothing to refuse.
  it.skipIf(process.getuid?.() === 0)("an unreadable file is reported as permission denied", async () => {
    const dir = path.join(tmp.dir, "locked");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "ok.md"), "# Fine\n\nThe ferry leaves at noon.\n");
    fs.writeFileSync(path.join(dir, "secret.md"), "# Secret\n\nNobody may read this.\n");
    fs.chmodSync(path.join(dir, "secret.md"), 0o000);
    const r = await cli(["ingest", dir], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^failed\s+secret\.md: cannot be read \(permission denied\)$/m);
    expect(r.stdout).toMatch(/Done: 1 added, .* 1 failed/);
  });
});
