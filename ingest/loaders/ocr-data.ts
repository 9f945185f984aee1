import { existsSync, readdirSync } from "node:fs";
import { copyFile, link, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../../src/errors.js";

/**
 * Tesseract's language data comes from npm packages (@tesseract.js-data/<code>), installed with grounded,
 * never from the network: OCR must work on a machine that is offline.
 */
const SCOPE = "@tesseract.js-data";
/** tessdata_best converted to integers: the LSTM model tesseract.js itself picks for its default engine. */
const MODEL_DIR = "4.0.0_best_int";

export interface OcrLanguage {
  code: string;
  /** The gzipped .traineddata file inside the language's package. */
  file: string;
}

/** The folders Node would search for `@tesseract.js-data/...` from here, nearest first. */
function scopeDirs(): string[] {
  const paths = createRequire(import.meta.url).resolve.paths(`${SCOPE}/eng`) ?? [];
  return paths.map((dir) => path.join(dir, SCOPE)).filter((dir) => existsSync(dir));
}

/** Every language whose data package can be loaded, by code, sorted; the nearest install of a code wins. */
export function installedOcrLanguages(): OcrLanguage[] {
  const found = new Map<string, OcrLanguage>();
  for (const dir of scopeDirs()) {
    for (const code of readdirSync(dir)) {
      const file = path.join(dir, code, MODEL_DIR, `${code}.traineddata.gz`);
      if (!found.has(code) && existsSync(file)) found.set(code, { code, file });
    }
  }
  return [...found.values()].sort((a, b) => (a.code < b.code ? -1 : 1));
}

/**
 * The data files for GROUNDED_OCR_LANGS; a language that is not installed is a configuration error that
 * names what is installed and how to add it.
 */
export function resolveOcrLanguages(codes: readonly string[]): OcrLanguage[] {
  const installed = installedOcrLanguages();
  const byCode = new Map(installed.map((l) => [l.code, l]));
  const missing = codes.filter((code) => !byCode.has(code));
  if (missing.length > 0) {
    const names = installed.map((l) => l.code);
    const usable = codes.filter((code) => byCode.has(code)).join("+") || names[0] || "eng";
    throw new ConfigError(
      `GROUNDED_OCR_LANGS=${codes.join("+")}: no OCR data is installed for ${missing.join(", ")}. ` +
        `Installed: ${names.length ? names.join(", ") : "none"}. ` +
        `Name installed languages joined by "+" (e.g. GROUNDED_OCR_LANGS=${usable}), ` +
        `add one with \`npm install ${missing.map((m) => `${SCOPE}/${m}`).join(" ")}\` in grounded's folder, ` +
        "or turn OCR off with GROUNDED_OCR=off.",
    );
  }
  return codes.map((code) => byCode.get(code) as OcrLanguage);
}

/**
 * tesseract.js reads every language from one folder (`langPath`), and each package keeps its file in its own.
 * A private temporary folder gets a hard link to each file (a copy where linking is refused, e.g. across
 * drives on Windows); `remove` deletes it when OCR is done.
 */
export async function stageLanguageData(
  languages: readonly OcrLanguage[],
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "grounded-ocr-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    for (const { code, file } of languages) {
      const target = path.join(dir, `${code}.traineddata.gz`);
      await link(file, target).catch(() => copyFile(file, target));
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return { dir, remove };
}
