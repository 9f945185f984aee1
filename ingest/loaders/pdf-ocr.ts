import type { PDFParse } from "pdf-parse";
import type { OcrEngine } from "./ocr.js";
import { trackedCanvases } from "./page-canvas.js";

export interface PdfOcrOptions {
  engine: OcrEngine;
  /** auto: pages with no or almost no text; force: every page (GROUNDED_OCR). */
  mode: "auto" | "force";
  signal?: AbortSignal | undefined;
  /** After each page is recognised: its number, and how many of the pages to recognise are done. */
  onPage?: ((progress: OcrPageProgress) => void) | undefined;
}

export interface OcrPageProgress {
  page: number;
  done: number;
  total: number;
}

/** Fewer letters and digits than this is "almost no text": a scanner's stamp, a page number, a blank page. */
const MIN_TEXT_CHARS = 20;
/** Pages are rendered at this resolution, what tesseract reads best... */
const RENDER_DPI = 300;
/** ...unless the page is so large that the image would pass this many pixels (an A0 plan, a long receipt). */
const MAX_PIXELS = 36_000_000;

const letters = (text: string) => text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;

export interface PageText {
  num: number;
  text: string;
}

/**
 * The pages' text with OCR where it is wanted: each chosen page is rendered (pdf.js onto @napi-rs/canvas)
 * and recognised by the engine's workers while the next page renders. A recognised text replaces the text
 * layer only when it holds more: with auto that keeps a short title page's own text, with force a page
 * whose image held nothing keeps its text layer. Returns the texts in page order, and how many pages were
 * recognised. `data` is the PDF (copied: pdf.js may take the buffer it is given).
 */
export async function recognizePages(
  data: Uint8Array,
  pages: readonly PageText[],
  options: PdfOcrOptions,
): Promise<{ texts: string[]; recognized: number }> {
  const texts = pages.map((p) => p.text);
  const chosen = pages
    .map((page, index) => ({ page, index }))
    .filter(({ page }) => options.mode === "force" || letters(page.text) < MIN_TEXT_CHARS);
  if (chosen.length === 0) return { texts, recognized: 0 };

  const { PDFParse: Parser } = await import("pdf-parse");
  const canvases = await trackedCanvases();
  const parser = new Parser({ data: new Uint8Array(data), verbosity: 0, CanvasFactory: canvases.Factory });
  try {
    return await recognize(parser, chosen, texts, options, canvases.release);
  } finally {
    canvases.release();
    await parser.destroy().catch(() => undefined);
  }
}

async function recognize(
  parser: PDFParse,
  chosen: Array<{ page: PageText; index: number }>,
  texts: string[],
  options: PdfOcrOptions,
  releaseCanvases: () => void,
): Promise<{ texts: string[]; recognized: number }> {
  const info = await parser.getInfo({ parsePageInfo: true, partial: chosen.map((c) => c.page.num) });
  const sizes = new Map(info.pages.map((p) => [p.pageNumber, p]));
  // One page rendering while every worker recognises one: memory stays a few page images whatever the size.
  const window = options.engine.workers + 1;
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;
  let done = 0;
  for (const { page, index } of chosen) {
    options.signal?.throwIfAborted();
    if (failure) break;
    const size = sizes.get(page.num);
    const shot = await parser.getScreenshot({
      partial: [page.num],
      scale: renderScale(size?.width ?? 612, size?.height ?? 792),
      imageDataUrl: false,
      imageBuffer: true,
    });
    // The PNG is made: free the page's canvas now, not whenever the GC gets to its native memory.
    releaseCanvases();
    const image = shot.pages[0]?.data;
    if (!image) continue;
    const job: Promise<void> = options.engine
      .recognize(image)
      .then(
        (text) => {
          if (letters(text) > letters(page.text)) texts[index] = text;
          done++;
          options.onPage?.({ page: page.num, done, total: chosen.length });
        },
        (error: unknown) => {
          const why = error instanceof Error ? error.message : String(error);
          failure ??= new Error(`page ${page.num}: ${why}`, { cause: error });
        },
      )
      .finally(() => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= window) await Promise.race(inFlight);
  }
  // Pages already handed to the workers finish (or fail) before the parser that rendered them is destroyed.
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { texts, recognized: done };
}

/** RENDER_DPI, or less for a page whose image would pass MAX_PIXELS (sizes in points, 72 to the inch). */
function renderScale(width: number, height: number): number {
  const scale = RENDER_DPI / 72;
  const pixels = width * scale * height * scale;
  return pixels <= MAX_PIXELS ? scale : scale * Math.sqrt(MAX_PIXELS / pixels);
}
