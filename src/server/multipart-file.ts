import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { FileTooLargeError, ValidationError } from "../errors.js";

export interface ReceivedFile {
  /** The name the client gave the file (not yet made safe). */
  name: string;
  /** Where its bytes are now: a hidden `.part` file in `dir`, for the caller to rename or remove. */
  partial: string;
}

/**
 * The one file of a multipart/form-data request, streamed to disk as it arrives: memory stays at a few
 * buffers whatever the file's size (a whole-body parse held several copies of it). busboy parses the
 * multipart framing (a well-kept parser, used by multer and fastify); a file over `maxBytes` stops the
 * upload with 413, and its partial file is removed.
 */
export async function receiveFile(
  request: Request,
  options: { maxBytes: number; dir: string; maxMb: number; cli: string },
): Promise<ReceivedFile> {
  if (!request.body) throw new ValidationError("The request has no body: send one file field named file.");
  await fs.mkdir(options.dir, { recursive: true });
  const headers = Object.fromEntries(request.headers);
  let parser: busboy.Busboy;
  try {
    // Browsers send a file name as UTF-8 bytes (RFC 7578); busboy would read them as Latin-1.
    parser = busboy({
      headers,
      defParamCharset: "utf8",
      limits: { files: 2, fileSize: options.maxBytes, fields: 20, parts: 40 },
    });
  } catch (cause) {
    throw new ValidationError(`The multipart body cannot be read: ${(cause as Error).message}.`, { cause });
  }
  const written: Array<{ name: string; partial: string; done: Promise<void>; tooLarge: boolean }> = [];
  parser.on("file", (_field, stream, info) => {
    // Written under a hidden name and renamed by the caller, so a watcher or a crash never sees half a file.
    const partial = path.join(options.dir, `.${randomUUID()}.part`);
    const entry = { name: info.filename ?? "", partial, done: Promise.resolve(), tooLarge: false };
    stream.on("limit", () => {
      entry.tooLarge = true;
    });
    entry.done = pipeline(stream, createWriteStream(partial));
    written.push(entry);
  });
  const removeAll = () => Promise.all(written.map((w) => fs.rm(w.partial, { force: true })));
  try {
    await pipeline(Readable.fromWeb(request.body as WebReadableStream<Uint8Array>), parser);
    await Promise.all(written.map((w) => w.done));
  } catch (cause) {
    await Promise.allSettled(written.map((w) => w.done));
    await removeAll();
    if (cause instanceof FileTooLargeError) throw cause;
    throw new ValidationError(
      `The upload was cut off or is not valid multipart/form-data: ${(cause as Error).message}.`,
      {
        cause,
      },
    );
  }
  const [file, ...more] = written;
  if (!file || more.length > 0 || written.some((w) => w.tooLarge)) {
    await removeAll();
    if (written.some((w) => w.tooLarge)) throw new FileTooLargeError(options.maxMb, options.cli);
    throw new ValidationError(`Send exactly one file (got ${written.length}).`);
  }
  return { name: file.name, partial: file.partial };
}
