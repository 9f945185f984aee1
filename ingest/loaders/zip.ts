import { inflateRawSync } from "node:zlib";

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/**
 * Reads one entry of a zip archive from its central directory (the authoritative index at the end of the
 * file). Enough for .docx parts: stored or deflated entries, no zip64, no encryption. Returns null when
 * the entry does not exist; throws on a damaged archive.
 */
export function readZipEntry(zip: Uint8Array, name: string): Buffer | null {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const wanted = Buffer.from(name, "utf8");
  for (let i = 0; i < count; i++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== CENTRAL_SIGNATURE)
      throw new Error("damaged zip central directory");
    const method = view.getUint16(p + 10, true);
    const compressedSize = view.getUint32(p + 20, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const localOffset = view.getUint32(p + 42, true);
    const entryName = zip.subarray(p + 46, p + 46 + nameLength);
    if (Buffer.compare(entryName, wanted) === 0)
      return readLocal(zip, view, localOffset, method, compressedSize);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return null;
}

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, so search only that tail, backwards.
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let p = view.byteLength - 22; p >= lowest; p--) {
    if (view.getUint32(p, true) === EOCD_SIGNATURE) return p;
  }
  throw new Error("not a zip archive (no end of central directory)");
}

function readLocal(zip: Uint8Array, view: DataView, offset: number, method: number, size: number): Buffer {
  if (offset + 30 > zip.length || view.getUint32(offset, true) !== LOCAL_SIGNATURE)
    throw new Error("damaged zip entry");
  const start = offset + 30 + view.getUint16(offset + 26, true) + view.getUint16(offset + 28, true);
  const data = zip.subarray(start, start + size);
  if (method === 0) return Buffer.from(data);
  if (method === 8) return inflateRawSync(data);
  throw new Error(`unsupported zip compression method ${method}`);
}
