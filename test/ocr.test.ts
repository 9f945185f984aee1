import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFile } from "../ingest/loaders/index.js";
import { cleanOcrText, createOcrEngine, type OcrEngine } from "../ingest/loaders/ocr.js";
import { installedOcrLanguages } from "../ingest/loaders/ocr-data.js";
import type { OcrPageProgress } from "../ingest/loaders/pdf-ocr.js";
import { loadConfig } from "../src/config.js";
import { ConfigError, LoaderError } from "../src/errors.js";
import { charAccuracy } from "./helpers/char-accuracy.js";
import { findCjkFont, makeScannedPdf, renderScan } from "./helpers/make-scanned-pdf.js";
import { tempDir } from "./helpers/tmp.js";

const MB = 1024 * 1024;

describe("OCR settings", () => {
  it("is on for text-less pages by default, in English and Traditional Chinese", () => {
    const config = loadConfig({});
    expect(config.ocr).toBe("auto");
    expect(config.ocrLangs).toEqual(["eng", "chi_tra"]);
  });

  it("reads GROUNDED_OCR and GROUNDED_OCR_LANGS, and refuses what they cannot mean", () => {
    expect(loadConfig({ GROUNDED_OCR: "Force" }).ocr).toBe("force");
    expect(loadConfig({ GROUNDED_OCR: "off" }).ocr).toBe("off");
    expect(loadConfig({ GROUNDED_OCR_LANGS: "eng + CHI_SIM" }).ocrLangs).toEqual(["eng", "chi_sim"]);
    expect(() => loadConfig({ GROUNDED_OCR: "sometimes" })).toThrow(/GROUNDED_OCR=sometimes is not a mode/);
    expect(() => loadConfig({ GROUNDED_OCR_LANGS: "eng,chi_tra" })).toThrow(/Join codes with "\+"/);
  });

  it("finds the language data packages installed with grounded", () => {
    const codes = installedOcrLanguages().map((l) => l.code);
    expect(codes).toEqual(expect.arrayContaining(["chi_sim", "chi_tra", "eng"]));
  });

  it("names what is installed and what to do when a language has no data", () => {
    const error = (() => {
      try {
        createOcrEngine({ langs: ["eng", "klingon"] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/no OCR data is installed for klingon/);
    expect(message).toMatch(/Installed: [a-z_, ]*chi_sim, chi_tra, [a-z_, ]*eng/);
    expect(message).toMatch(/npm install @tesseract\.js-data\/klingon/);
    expect(message).toMatch(/GROUNDED_OCR_LANGS=eng\b/);
    expect(message).toMatch(/GROUNDED_OCR=off/);
  });
});

describe("cleanOcrText", () => {
  it("removes the spaces tesseract puts between CJK characters, and keeps those between words", () => {
    expect(cleanOcrText("圖 書 逾 期 歸還 , 每 本 每 天 罰款\n新 台 幣 五 元 。  \n\n\n\nNext")).toBe(
      "圖書逾期歸還，每本每天罰款\n新台幣五元。\n\nNext",
    );
    expect(cleanOcrText("規定 : 一 、 不得 占位 ; 二 、 靜音 . Fine, thanks: see A; B")).toBe(
      "規定：一、不得占位；二、靜音. Fine, thanks: see A; B",
    );
    expect(cleanOcrText("Read 第 五 條 of the Act, then 新 台 幣 5 元 twice.")).toBe(
      "Read 第五條 of the Act, then 新台幣 5 元 twice.",
    );
  });
});

const ENGLISH_1 = ["Scanned pages are read by OCR.", "Invoice 4721 is due on 12 March."];
const ENGLISH_2 = ["The second page names the greenhouse", "vents, the heater and the rain barrel."];
const CHINESE = ["圖書逾期歸還，每本每天罰款", "新台幣五元。視聽資料每件每天", "罰款十元。"];

describe("scanned PDFs, read by real OCR", () => {
  let tmp: ReturnType<typeof tempDir>;
  let engine: OcrEngine;
  beforeAll(() => {
    tmp = tempDir("grounded-test-ocr-");
    engine = createOcrEngine({ langs: ["eng", "chi_tra"] });
  });
  afterAll(async () => {
    await engine.close();
    tmp.cleanup();
  });

  async function write(name: string, pdf: Buffer): Promise<string> {
    const file = path.join(tmp.dir, name);
    await writeFile(file, pdf);
    return file;
  }

  const load = (file: string, progress: OcrPageProgress[] = [], mode: "auto" | "force" = "auto") =>
    loadFile(file, { maxBytes: MB, ocr: { engine, mode, onPage: (p) => progress.push(p) } });

  it("recognises each scanned page under its own page number, offsets joined as for text pages", async () => {
    const file = await write("scan.pdf", makeScannedPdf([renderScan(ENGLISH_1), renderScan(ENGLISH_2)]));
    const progress: OcrPageProgress[] = [];
    const doc = await load(file, progress);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2]);
    expect(charAccuracy(ENGLISH_1.join(" "), doc.sections[0]?.text ?? "")).toBeGreaterThan(0.9);
    expect(charAccuracy(ENGLISH_2.join(" "), doc.sections[1]?.text ?? "")).toBeGreaterThan(0.9);
    expect(doc.sections[1]?.text).toMatch(/rain barrel/);
    const [first, second] = doc.sections;
    expect(first?.offset).toBe(0);
    expect(second?.offset).toBe((first?.text.length ?? 0) + "\n\n".length);
    expect(progress.map((p) => p.page).sort()).toEqual([1, 2]);
    expect(progress.map((p) => `${p.done}/${p.total}`)).toEqual(["1/2", "2/2"]);
  });

  it("keeps a text page's own text and recognises only the scanned page", async () => {
    const text = ["This page has a real text layer, typed and not scanned."];
    const file = await write(
      "mixed.pdf",
      makeScannedPdf([{ kind: "text", lines: text }, renderScan(ENGLISH_2)]),
    );
    const withoutOcr = await loadFile(file, { maxBytes: MB });
    const progress: OcrPageProgress[] = [];
    const doc = await load(file, progress);
    expect(doc.sections[0]).toEqual(withoutOcr.sections[0]);
    expect(doc.sections[0]?.text).toBe(text[0]);
    expect(doc.sections[1]?.page).toBe(2);
    expect(charAccuracy(ENGLISH_2.join(" "), doc.sections[1]?.text ?? "")).toBeGreaterThan(0.9);
    expect(progress).toEqual([{ page: 2, done: 1, total: 1 }]);
  });

  it("keeps a short text layer that OCR reads no better (a title page)", async () => {
    const file = await write("title.pdf", makeScannedPdf([{ kind: "text", lines: ["Chapter 3"] }]));
    const progress: OcrPageProgress[] = [];
    const doc = await load(file, progress);
    expect(progress).toEqual([{ page: 1, done: 1, total: 1 }]);
    expect(doc.sections.map((s) => s.text)).toEqual(["Chapter 3"]);
  });

  it("recognises every page when forced", async () => {
    const file = await write(
      "forced.pdf",
      makeScannedPdf([{ kind: "text", lines: ENGLISH_1 }, renderScan(ENGLISH_2)]),
    );
    const progress: OcrPageProgress[] = [];
    const doc = await load(file, progress, "force");
    expect(progress.map((p) => p.page).sort()).toEqual([1, 2]);
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2]);
    expect(charAccuracy(ENGLISH_1.join(" "), doc.sections[0]?.text ?? "")).toBeGreaterThan(0.9);
  });

  it("says what happened when OCR finds no text either", async () => {
    const file = await write("blank.pdf", makeScannedPdf([renderScan([])]));
    const error = await load(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoaderError);
    expect((error as LoaderError).message).toMatch(
      /has no text layer and OCR \(eng\+chi_tra\) found no text on its 1 page either; .*GROUNDED_OCR_LANGS.*run OCR on it yourself, e\.g\. ocrmypdf/,
    );
  });

  it("turns a failed recognition into this file's error, naming the page", async () => {
    const file = await write(
      "crash.pdf",
      makeScannedPdf([{ kind: "text", lines: ENGLISH_1 }, renderScan([])]),
    );
    const crashing: OcrEngine = {
      langs: "eng",
      workers: 1,
      recognize: () => Promise.reject(new Error("worker crashed")),
      close: async () => {},
    };
    const error = await loadFile(file, { maxBytes: MB, ocr: { engine: crashing, mode: "auto" } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LoaderError);
    expect((error as LoaderError).message).toMatch(/could not be read by OCR \(page 2: worker crashed\)/);
  });

  it("without OCR, a scan keeps today's error", async () => {
    const file = await write("no-ocr.pdf", makeScannedPdf([renderScan(ENGLISH_1)]));
    const error = await loadFile(file, { maxBytes: MB }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoaderError);
    expect((error as LoaderError).message).toBe(
      `${file}: has no text layer (scanned images?); run OCR on it first, e.g. ocrmypdf, then ingest again`,
    );
  });

  const font = findCjkFont();
  if (!font) {
    console.warn(
      "ocr.test.ts: no font that draws Traditional Chinese on this machine (fc-list :lang=zh-tw is empty); " +
        "the Traditional Chinese OCR test is SKIPPED. Install one, e.g. apt-get install fonts-noto-cjk.",
    );
  }
  it.skipIf(!font)(
    font
      ? "reads Traditional Chinese, without spaces between the characters"
      : "reads Traditional Chinese — SKIPPED: no CJK font here (apt-get install fonts-noto-cjk)",
    async () => {
      const scan = renderScan(CHINESE, { font: font ?? "", fontPt: 14, dpi: 300 });
      const file = await write("zh.pdf", makeScannedPdf([scan]));
      const doc = await load(file);
      const text = doc.sections[0]?.text ?? "";
      expect(doc.sections.map((s) => s.page)).toEqual([1]);
      expect(text).not.toMatch(/\p{Script=Han}[ \t]+\p{Script=Han}/u);
      expect(charAccuracy(CHINESE.join(""), text, "ignore")).toBeGreaterThan(0.8);
      expect(text).toMatch(/視聽資料/);
    },
  );
});
