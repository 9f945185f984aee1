/**
 * Scanned PDFs for the OCR tests: text drawn onto an image with @napi-rs/canvas (pdf-parse's own renderer),
 * encoded as JPEG and wrapped in a PDF page that holds nothing but that image (DCTDecode), as a scanner
 * writes it. Text pages (Helvetica, with a text layer) can be mixed in.
 */
import { execFileSync } from "node:child_process";
import { createCanvas, GlobalFonts } from "@napi-rs/canvas";

export interface ScanPage {
  kind: "scan";
  jpeg: Buffer;
  /** Pixels, and the resolution they were drawn at (which sets the page size in points). */
  width: number;
  height: number;
  dpi: number;
}

export interface TextPage {
  kind: "text";
  lines: string[];
}

export interface RenderScanOptions {
  /** A font family known to @napi-rs/canvas; default its sans-serif. */
  font?: string;
  /** Text size in points (72 to the inch); default 12. */
  fontPt?: number;
  dpi?: number;
  /** Page size in inches; default a quarter of a Letter page, which keeps the tests fast. */
  widthIn?: number;
  heightIn?: number;
  /** A scanner's flaws: the page turned by this many degrees, grey specks, JPEG quality (default 90). */
  skewDeg?: number;
  specksPerMegapixel?: number;
  jpegQuality?: number;
}

/** The same flaws for the same page every run (a small linear congruential generator). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Lines that fit the page's text width: words wrapped at spaces, text without spaces (CJK) anywhere. */
export function wrapParagraphs(paragraphs: string[], options: RenderScanOptions = {}): string[] {
  const dpi = options.dpi ?? 200;
  const widthIn = options.widthIn ?? 4.25;
  const maxWidth = (widthIn - 2 * (widthIn >= 8 ? 1 : 0.5)) * dpi;
  const ctx = createCanvas(10, 10).getContext("2d");
  ctx.font = `${Math.round(((options.fontPt ?? 12) * dpi) / 72)}px "${options.font ?? "sans-serif"}"`;
  const lines: string[] = [];
  for (const paragraph of paragraphs) {
    if (lines.length) lines.push("");
    const units = paragraph.includes(" ")
      ? paragraph.split(" ").map((w, i) => (i ? ` ${w}` : w))
      : [...paragraph];
    let line = "";
    for (const unit of units) {
      if (line && ctx.measureText(line + unit).width > maxWidth) {
        lines.push(line);
        line = unit.trimStart();
      } else line += unit;
    }
    if (line) lines.push(line);
  }
  return lines;
}

/** Black text on white, one line per entry, left-aligned with a one-inch margin (half for small pages). */
export function renderScan(lines: string[], options: RenderScanOptions = {}): ScanPage {
  const dpi = options.dpi ?? 200;
  const width = Math.round((options.widthIn ?? 4.25) * dpi);
  const height = Math.round((options.heightIn ?? 5.5) * dpi);
  const fontPx = Math.round(((options.fontPt ?? 12) * dpi) / 72);
  const margin = Math.round(((options.widthIn ?? 4.25) >= 8 ? 1 : 0.5) * dpi);
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#000000";
  ctx.font = `${fontPx}px "${options.font ?? "sans-serif"}"`;
  ctx.textBaseline = "top";
  if (options.skewDeg) {
    ctx.translate(width / 2, height / 2);
    ctx.rotate((options.skewDeg * Math.PI) / 180);
    ctx.translate(-width / 2, -height / 2);
  }
  lines.forEach((line, i) => {
    ctx.fillText(line, margin, margin + i * Math.round(fontPx * 1.5));
  });
  ctx.resetTransform();
  const next = random(lines.join("").length + 1);
  const specks = Math.round(((options.specksPerMegapixel ?? 0) * width * height) / 1e6);
  for (let i = 0; i < specks; i++) {
    ctx.fillStyle = `rgba(0,0,0,${0.2 + 0.5 * next()})`;
    ctx.fillRect(next() * width, next() * height, 1 + next() * 2, 1 + next() * 2);
  }
  return { kind: "scan", jpeg: canvas.toBuffer("image/jpeg", options.jpegQuality ?? 90), width, height, dpi };
}

/**
 * A font that draws Traditional Chinese: a regular one fontconfig lists for zh-tw, registered under an
 * alias, else a CJK family @napi-rs/canvas found by itself; null when the machine has none.
 */
export function findCjkFont(): string | null {
  try {
    // Regular weight first: a bold face blurs the strokes of dense characters together.
    const files = execFileSync("fc-list", [":lang=zh-tw", "file", "style"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.trim() !== "")
      .sort((a, b) => Number(/Regular/.test(b)) - Number(/Regular/.test(a)) || (a < b ? -1 : 1))
      .map((line) => line.replace(/:[^/]*$/, "").trim());
    for (const file of files) {
      if (GlobalFonts.registerFromPath(file, "grounded-test-cjk")) return "grounded-test-cjk";
    }
  } catch {
    // No fontconfig (Windows, macOS without it): fall back to the families the canvas found.
  }
  const family = GlobalFonts.families.map((f) => f.family).find((f) => /CJK|Hei|Ming|Song|Kai/i.test(f));
  return family ?? null;
}

function pdfText(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, "?")})`;
}

/** One PDF page per entry; scanned pages are sized so that their image covers the page at its dpi. */
export function makeScannedPdf(pages: Array<ScanPage | TextPage>): Buffer {
  // Objects: 1 catalog, 2 page tree, 3 font, then (page, contents, image) per page; text pages skip the image.
  const objects: Array<Buffer | string> = [];
  const pageIds = pages.map((_, i) => 4 + 3 * i);
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`;
  objects[3] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
  pages.forEach((page, i) => {
    const id = 4 + 3 * i;
    let stream: string;
    if (page.kind === "scan") {
      const w = (page.width * 72) / page.dpi;
      const h = (page.height * 72) / page.dpi;
      stream = `q ${w.toFixed(2)} 0 0 ${h.toFixed(2)} 0 0 cm /Im1 Do Q\n`;
      objects[id] =
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w.toFixed(2)} ${h.toFixed(2)}] /Resources << /XObject << /Im1 ${id + 2} 0 R >> >> /Contents ${id + 1} 0 R >>`;
      objects[id + 2] = Buffer.concat([
        Buffer.from(
          `<< /Type /XObject /Subtype /Image /Width ${page.width} /Height ${page.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${page.jpeg.length} >>\nstream\n`,
          "latin1",
        ),
        page.jpeg,
        Buffer.from("\nendstream", "latin1"),
      ]);
    } else {
      const shown = page.lines.map((line, n) => `${n === 0 ? "" : "T* "}${pdfText(line)} Tj`).join("\n");
      stream = `BT\n/F1 12 Tf\n16 TL\n72 720 Td\n${shown}\nET\n`;
      objects[id] =
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`;
    }
    objects[id + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}endstream`;
  });

  const parts: Buffer[] = [Buffer.from("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n", "latin1")];
  let length = parts[0]?.length ?? 0;
  const offsets: number[] = [];
  const ids = objects.flatMap((o, id) => (o === undefined ? [] : [id]));
  for (const id of ids) {
    offsets[id] = length;
    const body = objects[id] as Buffer | string;
    const chunk = Buffer.concat([
      Buffer.from(`${id} 0 obj\n`, "latin1"),
      typeof body === "string" ? Buffer.from(body, "latin1") : body,
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    parts.push(chunk);
    length += chunk.length;
  }
  // Text pages leave their image number unused: the table marks it free so that offsets stay aligned.
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) {
    const at = offsets[id];
    xref += at === undefined ? "0000000000 65535 f \n" : `${String(at).padStart(10, "0")} 00000 n \n`;
  }
  xref += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(parts);
}
