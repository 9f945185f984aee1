import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { ValidationError } from "../src/errors.js";
import { supportedExtensions } from "./loaders/index.js";

export interface WalkOptions {
  /** Lower-case extensions with the dot; defaults to every format the loaders support. */
  extensions?: readonly string[];
  /** Told about folders that could not be listed (permissions); they are skipped, not fatal. */
  onSkip?: (dir: string, error: unknown) => void;
  /** Told about files passed over for their type (not hidden ones), so a summary can count them. */
  onOther?: (file: string) => void;
}

/** Byte-wise order, not locale order, so the same tree walks the same way on every machine. */
const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const skipped = (name: string): boolean => name.startsWith(".") || name === "node_modules";

/**
 * Absolute paths of the files to ingest under `root`, depth-first in sorted order, one folder listed at a
 * time so the first file arrives before a huge tree has been read. A file named directly is yielded
 * whatever its extension, so the loader can say why it is not supported instead of it vanishing silently.
 * Symlinked folders are followed once: each folder's real path is remembered, so a link back up the tree
 * cannot loop.
 */
export async function* walk(root: string, options: WalkOptions = {}): AsyncGenerator<string> {
  const start = path.resolve(root);
  const info = await stat(start).catch((error: unknown) => {
    throw new ValidationError(`${root} does not exist or cannot be read. Check the path and try again.`, {
      cause: error,
    });
  });
  if (!info.isDirectory()) {
    yield start;
    return;
  }
  const extensions = new Set(options.extensions ?? supportedExtensions);
  const visited = new Set<string>();
  yield* walkDir(start, extensions, visited, options);
}

async function* walkDir(
  dir: string,
  extensions: Set<string>,
  visited: Set<string>,
  options: WalkOptions,
): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    const real = await realpath(dir);
    if (visited.has(real)) return;
    visited.add(real);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    options.onSkip?.(dir, error);
    return;
  }
  entries.sort(byName);
  for (const entry of entries) {
    if (skipped(entry.name)) continue;
    const full = path.join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // A dangling link is simply not there; a link that loops is yielded so ingest can say what is wrong.
      let loops = false;
      const target = await stat(full).catch((e: NodeJS.ErrnoException) => {
        loops = e.code === "ELOOP";
        return null;
      });
      isDir = target?.isDirectory() ?? false;
      isFile = (target?.isFile() ?? false) || loops;
    }
    if (isDir) yield* walkDir(full, extensions, visited, options);
    else if (isFile && extensions.has(path.extname(entry.name).toLowerCase())) yield full;
    else if (isFile) options.onOther?.(full);
  }
}

type PathApi = Pick<typeof path, "relative" | "basename" | "resolve" | "sep">;

/**
 * The name a file is cited by: its path relative to the folder it was ingested from, with forward slashes
 * on every OS ("manuals/kettle.md"), or its base name when `root` is the file itself. `pathApi` exists so
 * tests can check Windows paths (path.win32) on any OS.
 */
export function sourceFor(root: string, file: string, pathApi: PathApi = path): string {
  const absRoot = pathApi.resolve(root);
  const absFile = pathApi.resolve(file);
  const relative = pathApi.relative(absRoot, absFile);
  if (relative === "") return pathApi.basename(absFile);
  return relative.split(pathApi.sep).join("/");
}
