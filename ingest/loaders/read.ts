import { readFileSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { EmptyFileError, LoaderError } from "../../src/errors.js";

const MB = 1024 * 1024;

function megabytes(bytes: number): string {
  const mb = bytes / MB;
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/** Turns the file-system errors a user can meet into reasons they can act on. */
function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "cannot be read (permission denied)";
    case "ENOENT":
      return "does not exist (was it moved or deleted?)";
    case "EISDIR":
      return "is a folder, not a file";
    case "ELOOP":
      return "is a symbolic link that loops back on itself; fix or remove the link";
    case "EBUSY":
      return "is locked by another program; close it there and ingest again";
    default:
      return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}

/**
 * Reads a whole file after checking its size, so a 4 GB video that slipped into a folder is refused before
 * any of it is read into memory.
 */
export async function readFileChecked(file: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    size = info.size;
  } catch (error) {
    throw new LoaderError(file, fsReason(error), error);
  }
  if (size > maxBytes) {
    throw new LoaderError(
      file,
      `is ${megabytes(size)}, larger than the ${megabytes(maxBytes)} limit; raise GROUNDED_MAX_FILE_MB to ingest it`,
    );
  }
  if (size === 0) throw new EmptyFileError(file);
  try {
    return await readFile(file);
  } catch (error) {
    throw new LoaderError(file, fsReason(error), error);
  }
}

/** Largest file read ahead of its turn (files are read ahead a few at a time while others are chunked). */
const READ_AHEAD_MAX_BYTES = 8 * MB;
/** Largest file read synchronously. */
const READ_SYNC_MAX_BYTES = 256 * 1024;

/**
 * Reads a file ahead of its turn when it is small enough (at most 8 MB and `maxBytes`) and not empty; never
 * throws. `null` means "read it at its turn with readFileChecked", which then reports any problem with the
 * usual wording.
 */
export async function readAhead(file: string, maxBytes: number): Promise<Buffer | null> {
  try {
    // A note-sized file is read at once: the promise API's stat, open, read and close took two to four
    // times the CPU of a synchronous read of 2,500 notes (docs/performance.md, seventh session), and a
    // read from the page cache takes a fraction of a millisecond.
    const small = statSync(file, { throwIfNoEntry: false });
    if (small?.isFile() && small.size > 0 && small.size <= Math.min(maxBytes, READ_SYNC_MAX_BYTES))
      return readFileSync(file);
    const info = small ?? (await stat(file));
    if (!info.isFile() || info.size === 0 || info.size > Math.min(maxBytes, READ_AHEAD_MAX_BYTES))
      return null;
    return await readFile(file);
  } catch {
    return null;
  }
}
