/**
 * Text files that are not UTF-8, as people still have them: notes saved by older Windows editors in
 * Windows-1252 (a superset of Latin-1), Traditional Chinese files in Big5, Simplified ones in GBK. No file
 * says which it is, so the bytes decide, and the result always carries a note saying how it was read, so a
 * wrong guess is visible and the fix (save it as UTF-8) is named.
 *
 * - Big5 or GBK when that reading is Chinese text: Han characters mostly next to other Han characters or
 *   CJK punctuation, almost nothing unreadable, and common characters where Chinese has them. A Western
 *   text read as Big5 turns each accented letter and the letter after it into one stray Han character
 *   between Latin letters, so it fails this test.
 * - UTF-8 with a few damaged bytes (shown as U+FFFD) when most non-ASCII bytes form valid UTF-8 sequences:
 *   one stray byte must not turn a whole UTF-8 file into Windows-1252 mojibake.
 * - Windows-1252 otherwise, unless control characters show it is not text at all.
 */

import { CJK_STOP_CHARS } from "../../src/text/stopwords.js";

export interface LegacyText {
  text: string;
  note: string;
}

const SAVE_AS_UTF8 = "if any text looks wrong, save the file as UTF-8 and ingest again";

export function decodeLegacy(bytes: Uint8Array): LegacyText | null {
  // Both Chinese encodings read most double-byte text without an error; the reading in which the most
  // common characters turn up is the right one (Big5 on a tie, e.g. a few words without any).
  const big5 = new TextDecoder("big5").decode(bytes);
  const gbk = new TextDecoder("gbk").decode(bytes);
  const big5Score = chineseScore(big5);
  const gbkScore = chineseScore(gbk);
  if (big5Score >= 0 && big5Score >= gbkScore) {
    return { text: big5, note: `not UTF-8, read as Big5 (Traditional Chinese); ${SAVE_AS_UTF8}` };
  }
  if (gbkScore >= 0) {
    return { text: gbk, note: `not UTF-8, read as GBK (Simplified Chinese); ${SAVE_AS_UTF8}` };
  }
  const { valid, invalid } = utf8Sequences(bytes);
  if (valid >= 2 * invalid) {
    return {
      text: new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes),
      note: `not valid UTF-8 throughout: ${invalid} unreadable byte${invalid === 1 ? "" : "s"} shown as \uFFFD; ${SAVE_AS_UTF8}`,
    };
  }
  const cp1252 = decodeWindows1252(bytes);
  if (controlShare(cp1252) > 0.01) return null;
  return { text: cp1252, note: `not UTF-8, read as Windows-1252 (Western European); ${SAVE_AS_UTF8}` };
}

/** Windows-1252's characters for bytes 0x80–0x9F (Latin-1 has C1 controls there); the 5 unassigned stay. */
const CP1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/**
 * By hand: Node 20's TextDecoder("windows-1252") decodes as Latin-1, so curly quotes, dashes and the euro
 * sign would come out as invisible C1 controls.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString("latin1")
    .replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

const HAN = /\p{Script=Han}/u;
const CJK_NEIGHBOUR = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

/**
 * -1 unless the text reads as Chinese: Han characters mostly in runs, next to no unreadable pairs. Then the
 * share of its Han characters that are common grammar characters (的, 是, 在, 這/这 ...): about one in ten in
 * real Chinese, next to none when the bytes were meant for the other encoding.
 */
function chineseScore(text: string): number {
  const chars = Array.from(text);
  let han = 0;
  let inRun = 0;
  let common = 0;
  let unreadable = 0;
  chars.forEach((ch, i) => {
    if (ch === "\uFFFD") unreadable++;
    if (!HAN.test(ch)) return;
    han++;
    if (CJK_STOP_CHARS.has(ch)) common++;
    if (CJK_NEIGHBOUR.test(chars[i - 1] ?? "") || CJK_NEIGHBOUR.test(chars[i + 1] ?? "")) inRun++;
  });
  if (han < 2 || inRun < 0.8 * han || unreadable > han / 100) return -1;
  return common / han;
}

/** Well-formed multi-byte UTF-8 sequences and bytes that belong to none. */
function utf8Sequences(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    const tail = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    let ok = tail > 0 && i + tail < bytes.length;
    for (let j = 1; ok && j <= tail; j++) ok = ((bytes[i + j] as number) & 0xc0) === 0x80;
    if (ok) {
      valid++;
      i += tail + 1;
    } else {
      invalid++;
      i++;
    }
  }
  return { valid, invalid };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: counting control characters is the point
const NOT_TEXT = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f\u007f\u0081\u008d\u008f\u0090\u009d]/g;

/** Share of characters that no text file holds: C0 controls other than white space, and unassigned bytes. */
function controlShare(text: string): number {
  if (text.length === 0) return 0;
  const controls = text.match(NOT_TEXT);
  return (controls?.length ?? 0) / text.length;
}
