/**
 * OCR accuracy and speed on generated scans of realistic pages (docs/performance.md, "OCR of scanned PDFs").
 *
 *   npx tsx test/tools/ocr-eval.ts [--pages 6] [--langs eng+chi_tra] [--cjk-font FILE]...
 *
 * Each row renders Letter pages (1 inch margins, 11 pt, two paragraphs) at 300 dpi, clean or with a
 * scanner's flaws (turned 0.6°, grey specks, JPEG quality 60), wraps them in an image-only PDF and reads it
 * through the PDF loader with OCR, as ingest does. Character accuracy = 1 − edit distance / length of the
 * true text (white space squeezed; ignored for Chinese). Pages per second are for the whole loader (render +
 * recognition) on a warm engine, with the processor time it took (all threads), which a busy machine changes
 * less than the wall time; the cold start (workers starting, language data loading) is given apart.
 */
import { parseArgs } from "node:util";
import { GlobalFonts } from "@napi-rs/canvas";
import { createOcrEngine } from "../../ingest/loaders/ocr.js";
import { loadPdf } from "../../ingest/loaders/pdf.js";
import { charAccuracy } from "../helpers/char-accuracy.js";
import {
  findCjkFont,
  makeScannedPdf,
  type RenderScanOptions,
  renderScan,
  wrapParagraphs,
} from "../helpers/make-scanned-pdf.js";

const ENGLISH = [
  [
    "Section 4. Maintenance of the pump station. The operator shall inspect the intake screens at least once a week and remove any debris that restricts the flow of water. Where the water level in the wet well rises above the high-water mark for more than thirty minutes, the standby pump must be started by hand and the event recorded in the station log, together with the time, the level reached and the name of the person on duty.",
    "Bearings are to be greased every 500 running hours with the grease named in Annex B; over-greasing shortens their life and is a common cause of failure. A bearing that runs hotter than 80 degrees C, or that can be heard above the noise of the motor, is replaced at the next planned stop.",
  ],
  [
    "Section 5. Electrical safety. Before any work on the motor or the control cabinet, isolate the supply at the main switch, lock it in the off position and test that the circuit is dead. Only persons holding a valid certificate may open the cabinet, and never alone: a second person stays within call until the cabinet is closed again.",
    "The residual current device is tested monthly by pressing its test button. If it does not trip, the station must be taken out of service until an electrician has replaced it, and the water company informed by telephone on 0800 555 0199 within one hour.",
  ],
  [
    "Section 6. Records and reporting. The station log is kept for seven years. Each entry states the date, the running hours of both pumps, the readings of the flow meter and any fault found, with the action taken. Entries are never erased; a mistake is struck through once and initialled, so that the original remains legible.",
    "A summary of the log is sent to the district engineer by the tenth day of each month. It lists the total volume pumped, the hours each pump ran, every alarm and its cause, and the spare parts used, so that the stock held at the depot can be replenished in time for the winter storms.",
  ],
];

const CHINESE = [
  [
    "第十二條　借閱期限及續借。讀者借閱圖書，每次以十冊為限，借期為二十一日。借閱期滿前，如無他人預約，得於網路或館內辦理續借一次，續借期限自辦理之日起算十四日。",
    "逾期未還者，每冊每日收取逾期費新臺幣五元，累計逾期費達一百元以上者，停止其借閱權利至繳清為止。讀者證遺失者，應即向本館掛失；掛失前被冒用所借之資料，由原持證人負責。",
  ],
  [
    "第十三條　視聽資料之使用。視聽資料限於館內視聽室使用，每人每次以兩件為限，使用時間為兩小時。使用者應愛惜資料及設備，如有損壞或遺失，應照價賠償；無法購得原版者，以同類資料或其價款之二倍賠償之。",
    "視聽室內禁止飲食，並應保持安靜。使用完畢後，應將資料交還服務台，經館員檢查無誤後，始得離開。團體欲使用視聽室者，應於七日前以書面向本館申請。",
  ],
  [
    "第十四條　閱覽室規則。進入閱覽室者應出示借閱證，並遵守下列規定：一、不得占位，離座超過三十分鐘者，其物品由館員代為保管。二、手機應設定為靜音，不得於室內通話。三、館內資料閱畢後應放回書車，不得自行歸架。",
    "違反前項規定，經勸導仍不改善者，得請其離館；情節重大者，得停止其入館閱覽之權利三個月。本規則經館務會議通過後實施，修正時亦同。",
  ],
];

const ROUGH = { skewDeg: 0.6, specksPerMegapixel: 40, jpegQuality: 60 } satisfies RenderScanOptions;

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "6" },
    langs: { type: "string", default: "eng+chi_tra" },
    "cjk-font": { type: "string", multiple: true },
  },
});
const pageCount = Number(values.pages);
const langs = (values.langs ?? "eng+chi_tra").split("+");

/** Fonts to draw Chinese with: the files given (registered under their own alias), else one found here. */
function cjkFonts(): Array<{ name: string; family: string }> {
  const files = values["cjk-font"] ?? [];
  if (files.length === 0) {
    const family = findCjkFont();
    return family ? [{ name: "found by fontconfig", family }] : [];
  }
  return files.map((file, i) => {
    const family = `ocr-eval-cjk-${i}`;
    if (!GlobalFonts.registerFromPath(file, family)) throw new Error(`cannot load the font ${file}`);
    return { name: file.split(/[\\/]/).pop() ?? file, family };
  });
}

interface Row {
  what: string;
  accuracy: number[];
  pagesPerSecond: number;
  /** Processor time of the whole process (main thread and workers) per page: what a quiet machine would see. */
  cpuSecondsPerPage: number;
  coldSeconds: number;
  peakRssMb: number;
}

async function measure(
  what: string,
  texts: string[][],
  render: RenderScanOptions,
  spaces: "squeeze" | "ignore",
): Promise<Row> {
  const pages = Array.from({ length: pageCount }, (_, i) => texts[i % texts.length] as string[]);
  const scans = pages.map((paragraphs) => renderScan(wrapParagraphs(paragraphs, render), render));
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const engine = createOcrEngine({ langs, dpi: 300 });
  try {
    // Cold: a one-page document on a fresh engine (workers start, language data loads).
    let t = performance.now();
    await loadPdf(makeScannedPdf([scans[0] as (typeof scans)[number]]), "cold.pdf", {
      ocr: { engine, mode: "auto" },
    });
    const coldSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const cpu = process.cpuUsage();
    const doc = await loadPdf(makeScannedPdf(scans), "eval.pdf", { ocr: { engine, mode: "auto" } });
    const seconds = (performance.now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    const accuracy = pages.map((paragraphs, i) => {
      const text = doc.sections.find((s) => s.page === i + 1)?.text ?? "";
      return charAccuracy(paragraphs.join("\n"), text, spaces);
    });
    return {
      what,
      accuracy,
      pagesPerSecond: pageCount / seconds,
      cpuSecondsPerPage: (used.user + used.system) / 1e6 / pageCount,
      coldSeconds,
      peakRssMb: peak / 2 ** 20,
    };
  } finally {
    clearInterval(sampler);
    await engine.close();
  }
}

const page = { dpi: 300, widthIn: 8.5, heightIn: 11, fontPt: 11 } satisfies RenderScanOptions;
const rows: Row[] = [];
for (const [quality, flaws] of [
  ["clean", {}],
  ["rough", ROUGH],
] as const) {
  rows.push(await measure(`English, ${quality}`, ENGLISH, { ...page, ...flaws }, "squeeze"));
  for (const font of cjkFonts()) {
    rows.push(
      await measure(
        `Traditional Chinese (${font.name}), ${quality}`,
        CHINESE,
        { ...page, ...flaws, font: font.family },
        "ignore",
      ),
    );
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `OCR eval: ${pageCount} Letter pages per row at 300 dpi, GROUNDED_OCR_LANGS=${langs.join("+")}, ` +
    `${createOcrEngine({ langs }).workers} workers, Node ${process.version}\n`,
);
console.log(
  "| scan | char accuracy, mean (min) | pages/s (warm) | CPU s/page | cold start, 1 page | peak RSS |",
);
console.log("|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.what} | ${mean(r.accuracy).toFixed(3)} (${Math.min(...r.accuracy).toFixed(3)}) | ` +
      `${r.pagesPerSecond.toFixed(2)} | ${r.cpuSecondsPerPage.toFixed(1)} | ${r.coldSeconds.toFixed(1)} s | ` +
      `${Math.round(r.peakRssMb)} MB |`,
  );
}
