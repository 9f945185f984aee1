import os from "node:os";
import type Tesseract from "tesseract.js";
import { normalizeText } from "./decode.js";
import { resolveOcrLanguages, stageLanguageData } from "./ocr-data.js";

/** Recognises the text of page images in worker threads, with the language data of installed packages. */
export interface OcrEngine {
  /** The languages, as tesseract names them: "eng+chi_tra". */
  readonly langs: string;
  /** Most pages recognised at once (one per worker thread). */
  readonly workers: number;
  /** The text of one page image (PNG or JPEG), cleaned up (cleanOcrText); "" when it holds none. */
  recognize(image: Uint8Array): Promise<string>;
  /** Ends the worker threads (so the process can exit) and removes the staged language data. */
  close(): Promise<void>;
}

export interface OcrEngineOptions {
  /** Tesseract language codes, e.g. ["eng", "chi_tra"]; each must have its data package installed. */
  langs: readonly string[];
  /** Worker threads at most; default min(2, cores). Started one by one, as pages wait for them. */
  workers?: number;
  /** The resolution pages are rendered at, told to tesseract (it sizes its expectations of text by it). */
  dpi?: number;
}

type TesseractModule = typeof Tesseract;

interface Pool {
  tesseract: TesseractModule;
  scheduler: Tesseract.Scheduler;
  data: { dir: string; remove(): Promise<void> };
}

/**
 * Checks the languages now (a ConfigError names what is installed); loads tesseract.js, stages the data
 * and starts workers only when the first page needs them, so an ingest without scans pays nothing.
 */
export function createOcrEngine(options: OcrEngineOptions): OcrEngine {
  const languages = resolveOcrLanguages(options.langs);
  const langs = languages.map((l) => l.code).join("+");
  const max = Math.max(1, options.workers ?? Math.min(2, os.availableParallelism()));
  const dpi = String(options.dpi ?? 300);
  let started: Promise<Pool> | undefined;
  const growing: Promise<unknown>[] = [];
  let workers = 0;
  let busy = 0;
  let closed = false;

  const spawn = (pool: Omit<Pool, "scheduler">) =>
    new Promise<Tesseract.Worker>((resolve, reject) => {
      let ready = false;
      pool.tesseract
        .createWorker(langs, pool.tesseract.OEM.LSTM_ONLY, {
          // Read from the staged folder only, never cached elsewhere: nothing is fetched or written.
          langPath: pool.data.dir,
          cacheMethod: "none",
          gzip: true,
          logger: () => {},
          // tesseract.js 7 leaves createWorker pending when initialisation fails, but reports it here; after
          // start-up a failed page rejects its own recognize() and needs nothing from this handler.
          errorHandler: (error: unknown) => {
            if (!ready) reject(new Error(`tesseract could not start: ${String(error)}`));
          },
        })
        .then(async (worker) => {
          await worker.setParameters({ user_defined_dpi: dpi });
          ready = true;
          resolve(worker);
        }, reject);
    });

  const start = async (): Promise<Pool> => {
    const data = await stageLanguageData(languages);
    try {
      const tesseract = ((await import("tesseract.js")) as { default: TesseractModule }).default;
      const scheduler = tesseract.createScheduler();
      scheduler.addWorker(await spawn({ tesseract, data }));
      workers = 1;
      return { tesseract, scheduler, data };
    } catch (error) {
      await data.remove();
      throw error;
    }
  };

  const grow = (pool: Pool) => {
    workers++;
    growing.push(
      spawn(pool).then(
        async (worker) => {
          if (closed) await worker.terminate();
          else pool.scheduler.addWorker(worker);
        },
        () => {
          // The workers already running carry on; one fewer is only slower.
          workers--;
        },
      ),
    );
  };

  return {
    langs,
    workers: max,
    async recognize(image) {
      if (closed) throw new Error("the OCR engine is closed");
      started ??= start();
      const pool = await started;
      if (busy >= workers && workers < max) grow(pool);
      busy++;
      try {
        const image_ = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
        const result = await pool.scheduler.addJob("recognize", image_);
        return cleanOcrText(result.data.text);
      } finally {
        busy--;
      }
    },
    async close() {
      closed = true;
      const pool = await started?.catch(() => undefined);
      if (!pool) return;
      await Promise.allSettled(growing);
      await pool.scheduler.terminate();
      await pool.data.remove();
    },
  };
}

/** Han, kana, bopomofo, CJK punctuation and full-width forms: scripts written without spaces between words. */
const CJK =
  "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Bopomofo}\\u3000-\\u303f\\uff01-\\uff60";
const BETWEEN_CJK = new RegExp(`(?<=[${CJK}])[ \\t]+(?=[${CJK}])`, "gu");
/** Tesseract reads a full-width comma as "," and sets it apart: "歸還 , 每本" becomes "歸還，每本". */
const BEFORE_PUNCT = new RegExp(`(?<=[${CJK}])[ \\t]+(?=[,.;:!?])`, "gu");
const AFTER_PUNCT = new RegExp(`(?<=[${CJK}][,.;:!?])[ \\t]+(?=[${CJK}])`, "gu");
const HALF_WIDTH_PUNCT = new RegExp(`(?<=[${CJK}])[,;:!?](?=[${CJK}])`, "gu");
const FULL_WIDTH: Record<string, string> = { ",": "，", ";": "；", ":": "：", "!": "！", "?": "？" };

/**
 * Tesseract's text as grounded stores text: normalised like every loader's, without the spaces it puts
 * between CJK characters (spaces between Latin words stay), with the full-width form of punctuation it read
 * as ASCII between two CJK characters, and without trailing spaces and runs of blank lines.
 */
export function cleanOcrText(text: string): string {
  return normalizeText(text)
    .replace(BETWEEN_CJK, "")
    .replace(BEFORE_PUNCT, "")
    .replace(AFTER_PUNCT, "")
    .replace(HALF_WIDTH_PUNCT, (p) => FULL_WIDTH[p] ?? p)
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
