import { readAhead } from "./loaders/index.js";

/** Files whose reading has started while earlier files are loaded, chunked and stored. */
const READ_AHEAD_FILES = 4;

/**
 * The walked files, each with its bytes already being read (readAhead), up to READ_AHEAD_FILES ahead of
 * the one being processed, so waiting on the disk overlaps with grounded's own work. Order is kept, and a
 * walk error surfaces after the files walked before it, as without read-ahead.
 */
export async function* readingAhead(
  files: AsyncIterable<string>,
  maxBytes: number,
): AsyncGenerator<{ file: string; bytes: Promise<Buffer | null> }> {
  const ahead: Array<{ file: string; bytes: Promise<Buffer | null> }> = [];
  try {
    for await (const file of files) {
      ahead.push({ file, bytes: readAhead(file, maxBytes) });
      if (ahead.length > READ_AHEAD_FILES) yield ahead.shift() as (typeof ahead)[number];
    }
  } catch (error) {
    while (ahead.length) yield ahead.shift() as (typeof ahead)[number];
    throw error;
  }
  while (ahead.length) yield ahead.shift() as (typeof ahead)[number];
}
