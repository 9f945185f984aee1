import { LoaderError } from "../../src/errors.js";
import { unifyLookalikes } from "../../src/text/lookalikes.js";
import { decodeLegacy } from "./legacy-encoding.js";

const BINARY_SNIFF_BYTES = 8192;

export interface DecodedText {
  text: string;
  /** How a file that is not UTF-8 was read (legacy-encoding.ts), for the ingest report; null for Unicode. */
  note: string | null;
}

/**
 * Bytes to a string: a BOM picks UTF-8 or UTF-16 (Windows Notepad still saves "Unicode" as UTF-16 LE);
 * valid UTF-8 is UTF-8; anything else is read as a legacy encoding (Big5 or Windows-1252, with a note
 * saying so) unless it looks like a binary file.
 */
export function decodeText(bytes: Uint8Array, file: string): DecodedText {
  const [b0, b1, b2] = bytes;
  const unicode = (text: string): DecodedText => ({ text, note: null });
  if (b0 === 0xff && b1 === 0xfe) return unicode(new TextDecoder("utf-16le").decode(bytes.subarray(2)));
  if (b0 === 0xfe && b1 === 0xff) return unicode(new TextDecoder("utf-16be").decode(bytes.subarray(2)));
  const body = b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? bytes.subarray(3) : bytes;
  if (body.subarray(0, BINARY_SNIFF_BYTES).includes(0)) throw binary(file);
  try {
    return unicode(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body));
  } catch {
    const legacy = decodeLegacy(body);
    if (!legacy) throw binary(file);
    return legacy;
  }
}

const binary = (file: string) => new LoaderError(file, "looks like a binary file, not text");

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
