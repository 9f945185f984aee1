/**
 * A minimal PDF 1.4 writer for tests and the sample handbook: one page per entry of `pages`, one line of
 * Helvetica text per string (WinAnsi, so Latin text only), with a correct cross-reference table so that
 * strict readers accept it. A page with no lines gets a drawn rectangle and no text operators at all,
 * which is what a scanned page looks like to a text extractor.
 */
export interface MakePdfOptions {
  /** Document-info title. */
  title?: string;
  /**
   * Add a standard-security Encrypt dictionary whose user password is unknown (not empty), so readers
   * must ask for a password.
   */
  encrypted?: boolean;
  /**
   * Write any Unicode text the way subset fonts do: each distinct character gets a one-byte code, and a
   * /ToUnicode CMap says which character a code stands for (so a test can write the code points a real
   * PDF's font maps its glyphs to, e.g. Kangxi radicals from Noto CJK). Up to 200 distinct characters.
   */
  toUnicode?: boolean;
}

/** One-byte codes for the distinct characters of `pages`, from 0x21 up. */
function codesFor(pages: string[][]): Map<string, number> {
  const codes = new Map<string, number>();
  for (const line of pages.flat())
    for (const ch of line) if (!codes.has(ch)) codes.set(ch, 0x21 + codes.size);
  if (codes.size > 200) throw new Error("makePdf toUnicode: more than 200 distinct characters");
  return codes;
}

function hex(bytes: number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
}

function toUnicodeCMap(codes: Map<string, number>): string {
  const entries = [...codes].map(([ch, code]) => {
    const units = Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i));
    return `<${hex([code])}> <${hex(units.flatMap((u) => [u >> 8, u & 0xff]))}>`;
  });
  return [
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
    "/CMapName /grounded-test def /CMapType 2 def",
    "1 begincodespacerange <00> <ff> endcodespacerange",
    `${entries.length} beginbfchar`,
    ...entries,
    "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
    "",
  ].join("\n");
}

function codedString(text: string, codes: Map<string, number>): string {
  return `<${hex([...text].map((ch) => codes.get(ch) ?? 0x20))}>`;
}

/** Characters of Windows-1252 outside Latin-1, by their byte. */
const CP1252: Record<string, number> = {
  "\u20ac": 0x80,
  "\u2026": 0x85,
  "\u2018": 0x91,
  "\u2019": 0x92,
  "\u201c": 0x93,
  "\u201d": 0x94,
  "\u2022": 0x95,
  "\u2013": 0x96,
  "\u2014": 0x97,
  "\u2122": 0x99,
};

function pdfString(text: string): string {
  let out = "(";
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0x3f;
    const byte = CP1252[ch] ?? (cp >= 0x20 && cp <= 0xff && (cp < 0x7f || cp >= 0xa0) ? cp : 0x3f);
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte > 0x7e) out += `\\${byte.toString(8).padStart(3, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return `${out})`;
}

/** A document-info string: PDFDocEncoding-compatible text as is, anything else as UTF-16BE with a BOM. */
function infoString(text: string): string {
  if ([...text].every((ch) => (ch.codePointAt(0) ?? 0) <= 0xff || ch in CP1252)) return pdfString(text);
  const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  return `<feff${hex(units.flatMap((u) => [u >> 8, u & 0xff]))}>`;
}

function contentStream(lines: string[], codes?: Map<string, number>): string {
  if (lines.length === 0) return "0.85 0.85 0.85 rg 72 300 468 400 re f\n";
  const str = (line: string) => (codes ? codedString(line, codes) : pdfString(line));
  const shown = lines.map((line, i) => `${i === 0 ? "" : "T* "}${str(line)} Tj`).join("\n");
  return `BT\n/F1 12 Tf\n16 TL\n72 720 Td\n${shown}\nET\n`;
}

export function makePdf(pages: string[][], options: MakePdfOptions = {}): Buffer {
  // Objects: 1 catalog, 2 page tree, 3 font, 4 info, then a (page, contents) pair per page.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 5 + 2 * i);
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pages.length} >>`;
  const codes = options.toUnicode ? codesFor(pages) : undefined;
  const cmapId = 5 + 2 * pages.length;
  objects[3] = `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding${codes ? ` /ToUnicode ${cmapId} 0 R` : ""} >>`;
  objects[4] = `<< /Title ${infoString(options.title ?? "")} /Producer (grounded test/helpers/make-pdf.ts) >>`;
  if (codes) {
    const cmap = toUnicodeCMap(codes);
    objects[cmapId] = `<< /Length ${cmap.length} >>\nstream\n${cmap}endstream`;
  }
  pages.forEach((lines, i) => {
    const id = 5 + 2 * i;
    const stream = contentStream(lines, codes);
    objects[id] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`;
    objects[id + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}endstream`;
  });

  // Latin-1 throughout, so string length equals byte length and xref offsets can be counted in characters.
  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length;
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xrefAt = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  const encrypt = options.encrypted
    ? ` /Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <${"5a".repeat(32)}> /U <${"c3".repeat(32)}> >>`
    : "";
  const id = `<${"0123456789abcdef".repeat(2)}>`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R /ID [${id} ${id}]${encrypt} >>\n`;
  out += `startxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}
