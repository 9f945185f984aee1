import { LoaderError } from "../../src/errors.js";
import { unifyLookalikes } from "../../src/text/lookalikes.js";

const BINARY_SNIFF_BYTES = 8192;

/**
 * Bytes to a string: a BOM picks UTF-8 or UTF-16 (Windows Notepad still saves "Unicode" as UTF-16 LE);
 * everything else must be valid UTF-8. We refuse to guess legacy encodings (Big5, cp1252): a wrong guess
 * would index mojibake that no question can ever match, while the error tells the user exactly what to fix.
 */
export function decodeText(bytes: Uint8Array, file: string): string {
  const [b0, b1, b2] = bytes;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return decodeUtf8(bytes.subarray(3), file);
  if (b0 === 0xff && b1 === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (b0 === 0xfe && b1 === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  const sniff = bytes.subarray(0, BINARY_SNIFF_BYTES);
  if (sniff.includes(0)) throw new LoaderError(file, "looks like a binary file, not text");
  return decodeUtf8(bytes, file);
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new LoaderError(file, "is not valid UTF-8 text; save it as UTF-8 and ingest again", error);
  }
}

/**
 * One canonical form for all extracted text, applied before any offsets are taken so that offsets always
 * point into the normalised text: LF line ends, NFC (so a decomposed "é" matches a typed question, and CJK
 * compatibility ideographs become the unified ones), Chinese look-alikes (Kangxi radicals from PDF fonts)
 * as the characters they stand for (src/text/lookalikes.ts), no zero-width characters (they hide inside
 * words copied from the web and split them for the tokenizer), and page/vertical breaks become plain
 * newlines. Not NFKC: full-width letters and digits, ligatures and superscripts are the author's
 * typesetting and stay as written (search folds them, src/text/terms.ts).
 */
export function normalizeText(text: string): string {
  return (
    unifyLookalikes(text.replace(/\r\n?/g, "\n").normalize("NFC"))
      .replace(/[\u200b-\u200d\u2060\ufeff]/g, "")
      .replace(/[\f\v\u2028\u2029]/g, "\n")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing stray control characters is the point
      .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, "")
  );
}
