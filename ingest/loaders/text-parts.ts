import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Section } from "../../src/document.js";
import { normalizeText } from "./decode.js";
import { readFileChecked } from "./read.js";

/**
 * Large plain-text files, read in parts. A 50 MB text read whole was held as bytes, as a string, as its
 * normalised copy and as every chunk, context and vector at once (~500 MB on the server's writer thread);
 * read in parts of about PART_CHARS characters, each cut at a blank line, only one or two parts are held.
 *
 * A part is a section of its own (ingest/chunker.ts), so no chunk crosses a part boundary: the chunks are
 * those of the whole text except at one paragraph break every ~1M characters (about 500 chunks), where the
 * overlap of one chunk into the next is lost. Offsets are into the normalised text of the whole file, as
 * for a file read whole: normalising a part cut after a line break or a space gives the same characters as
 * normalising the whole (line ends, NFC and the look-alike table never reach across a line break or space).
 */

/** Plain-text files from this size on are read in parts (smaller ones are read whole, as before). */
export const PARTS_FROM_BYTES = 8 * 1024 * 1024;
/** Characters a part grows to before it is cut at the next blank line. */
export const PART_CHARS = 1 << 20;
const READ_BYTES = 1 << 20;

/** Whether `file` is read in parts: a plain-text file of at least PARTS_FROM_BYTES. */
export async function readsInParts(file: string): Promise<boolean> {
  if (path.extname(file).toLowerCase() !== ".txt") return false;
  const size = await stat(file).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
  return size >= PARTS_FROM_BYTES;
}

/**
 * The file's SHA-256 and size, read in blocks, and whether it is UTF-8 (with or without a BOM) with no NUL
 * byte in its first 8 KB: only such a file can be decoded part by part. Size limits and read errors are
 * checked and worded as for a file read whole.
 */
export async function scanTextFile(
  file: string,
  maxBytes: number,
): Promise<{ hash: string; bytes: number; utf8: boolean }> {
  // The size checks and their wording, without reading: a 1-byte read of a file known to exist is cheap.
  const size = (await stat(file).catch(() => null))?.size;
  if (size === undefined || size > maxBytes || size === 0) await readFileChecked(file, maxBytes);
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let bytes = 0;
  let utf8 = true;
  for await (const block of createReadStream(file, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(block);
    if (bytes === 0 && (block.subarray(0, 8192).includes(0) || isUtf16Bom(block))) utf8 = false;
    bytes += block.length;
    if (utf8) {
      try {
        decoder.decode(block, { stream: true });
      } catch {
        utf8 = false;
      }
    }
  }
  if (utf8) {
    try {
      decoder.decode();
    } catch {
      utf8 = false;
    }
  }
  return { hash: hash.digest("hex"), bytes, utf8 };
}

const isUtf16Bom = (b: Buffer) => (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);

/**
 * The sections of a UTF-8 plain-text file, one per part, normalised as a file read whole is (a BOM
 * dropped, decode.ts normalizeText) and trimmed like ingest/loaders/text.ts trims the whole text; offsets
 * are into the whole normalised text.
 */
export async function* textSections(file: string): AsyncGenerator<Section> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  let offset = 0;
  const part = function* (raw: string): Generator<Section> {
    const text = normalizeText(raw);
    const body = text.trim();
    const lead = text.length - text.trimStart().length;
    if (body) yield { text: body, page: null, headingPath: [], offset: offset + lead };
    offset += text.length;
  };
  for await (const block of createReadStream(file, { highWaterMark: READ_BYTES }) as AsyncIterable<Buffer>) {
    pending += decoder.decode(block, { stream: true });
    while (pending.length >= PART_CHARS) {
      const cut = partEnd(pending);
      if (cut === 0) break;
      yield* part(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  }
  pending += decoder.decode();
  yield* part(pending);
}

/**
 * Where to cut the first part off `text`: just after the first blank line from PART_CHARS on (a paragraph
 * break, where the chunker would start a chunk anyway), else after a line break, else after a space; 0
 * when there is none yet (more text is read first).
 */
function partEnd(text: string): number {
  const blank = /\n[ \t\r]*\n/g;
  blank.lastIndex = PART_CHARS - 1;
  const m = blank.exec(text);
  if (m) return m.index + m[0].length;
  // A text without blank lines (one paragraph per line, or one long line) is cut at 4 times the size.
  if (text.length < 4 * PART_CHARS) return 0;
  for (const breaker of ["\n", " "]) {
    const at = text.lastIndexOf(breaker, 4 * PART_CHARS);
    if (at > 0) return at + 1;
  }
  return 0;
}
