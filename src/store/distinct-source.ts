import path from "node:path";

/** The folders above a document's `source` (the folder it was ingested from, and that folder's parents). */
function foldersAbove(file: string, source: string, pathApi: typeof path.posix): string[] {
  let root = file;
  for (let i = source.split("/").length; i > 0; i--) root = pathApi.dirname(root);
  const folders: string[] = [];
  while (pathApi.dirname(root) !== root) {
    folders.unshift(pathApi.basename(root));
    root = pathApi.dirname(root);
  }
  return folders;
}

/**
 * `source` is the path below the folder a document was ingested from, so `a/README.md` and `b/README.md`
 * ingested as `grounded ingest a b` are both `README.md`. When other documents share a document's source,
 * its label gets as many of the folders above it as it takes to tell it from them: `b/README.md`.
 */
export function distinctSource(
  file: string,
  source: string,
  otherFiles: readonly string[],
  pathApi: typeof path.posix = path,
): string {
  if (otherFiles.length === 0) return source;
  const mine = foldersAbove(file, source, pathApi);
  const others = otherFiles.map((f) => foldersAbove(f, source, pathApi));
  for (let n = 1; n <= mine.length; n++) {
    const tail = mine.slice(-n).join("/");
    if (others.every((o) => o.slice(-n).join("/") !== tail)) return `${tail}/${source}`;
  }
  return `${mine.join("/")}/${source}`;
}
