/**
 * Text as Big5 or GBK bytes, for tests: Node decodes both but encodes neither, so each table is read
 * backwards from the decoder.
 */
const tables = new Map<string, Map<string, number[]>>();

function table(encoding: "big5" | "gbk"): Map<string, number[]> {
  let t = tables.get(encoding);
  if (t) return t;
  t = new Map();
  const decoder = new TextDecoder(encoding, { fatal: true });
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      try {
        const ch = decoder.decode(Uint8Array.of(lead, trail));
        if (!t.has(ch)) t.set(ch, [lead, trail]);
      } catch {
        // no character there
      }
    }
  }
  tables.set(encoding, t);
  return t;
}

export function encodeLegacy(text: string, encoding: "big5" | "gbk"): Buffer {
  const codes = table(encoding);
  const bytes: number[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes.push(ch.charCodeAt(0));
    else {
      const pair = codes.get(ch);
      if (!pair) throw new Error(`"${ch}" has no ${encoding} code`);
      bytes.push(...pair);
    }
  }
  return Buffer.from(bytes);
}
