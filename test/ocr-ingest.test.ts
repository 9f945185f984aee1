import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../src/store/store.js";
import { cli } from "./helpers/app.js";
import { spawnCli } from "./helpers/child-ingest.js";
import { makeScannedPdf, renderScan } from "./helpers/make-scanned-pdf.js";
import { tempDir } from "./helpers/tmp.js";

/** `grounded ingest` of a scanned PDF, as a user runs it: OCR on by default, into a real SQLite index. */
describe("ingesting scanned PDFs", () => {
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let env: Record<string, string>;

  beforeEach(() => {
    tmp = tempDir("grounded-test-ocr-ingest-");
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    // Page 1 has a text layer, page 2 is a scan of a sentence no other page holds.
    fs.writeFileSync(
      path.join(docs, "manual.pdf"),
      makeScannedPdf([
        { kind: "text", lines: ["Kettle manual, typed page: descale the kettle once a month."] },
        renderScan(["Empty the rain barrel before", "the first frost in November."]),
      ]),
    );
    // Ollama is not needed: the built-in embedder, and an address where nothing listens.
    env = {
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
      GROUNDED_EMBED_MODEL: "builtin",
      OLLAMA_HOST: "127.0.0.1:9",
    };
  });
  afterEach(() => tmp.cleanup());

  it("reads the scanned page, reports it, exits, and a search finds that page", async () => {
    // A real process: it exits only if the OCR worker threads were ended with the ingest.
    const child = spawnCli(["ingest", docs], env);
    const timer = setTimeout(() => child.proc.kill("SIGKILL"), 60_000);
    const run = await child.exited;
    clearTimeout(timer);
    expect(run.signal, `the ingest did not exit by itself:\n${run.stdout}\n${run.stderr}`).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ocr\s+manual\.pdf: page 2 \(1 of 1\)$/m);
    expect(run.stdout).not.toMatch(/^ocr\s+manual\.pdf: page 1\b/m);
    expect(run.stdout).toMatch(/^added\s+manual\.pdf \(\d+ chunks?\)$/m);

    const store = openStore(env.GROUNDED_DB as string);
    try {
      expect((await store.documentByPath(path.join(docs, "manual.pdf")))?.pages).toBe(2);
    } finally {
      await store.close();
    }
    const search = await cli(["search", "rain barrel frost", "--mode", "lexical", "--json"], env);
    expect(search.code, search.stderr).toBe(0);
    const top = JSON.parse(search.stdout).results[0];
    expect(top).toMatchObject({ source: "manual.pdf", page: 2 });
    expect(top.text).toMatch(/rain barrel/i);
  }, 90_000);

  it("with GROUNDED_OCR=off, a scan fails as before OCR existed", async () => {
    fs.writeFileSync(path.join(docs, "scan.pdf"), makeScannedPdf([renderScan(["Only an image here."])]));
    const run = await cli(["ingest", docs], { ...env, GROUNDED_OCR: "off" });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^failed\s+scan\.pdf: has no text layer \(scanned images\?\); run OCR on it first, e\.g\. ocrmypdf, then ingest again$/m,
    );
    expect(run.stdout).not.toMatch(/^ocr\s/m);
    // The typed page of the mixed file is still read without OCR.
    expect(run.stdout).toMatch(/^added\s+manual\.pdf/m);
  });

  it("refuses a language with no installed data before reading any file", async () => {
    const run = await cli(["ingest", docs], { ...env, GROUNDED_OCR_LANGS: "eng+fra" });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no OCR data is installed for fra\. Installed: .*eng/);
    expect(run.stderr).toMatch(/npm install @tesseract\.js-data\/fra/);
  });
});
