import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * Whether this code runs compiled to JavaScript (dist/, built by `npm run build`, bin/build.mjs) rather than
 * as TypeScript through tsx. The two trees differ by one folder: dist/src/… against src/….
 */
const COMPILED: boolean = import.meta.url.endsWith(".js");

/** The package's root folder, where package.json, data/samples and the web page's files are. */
const PACKAGE_ROOT: string = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  COMPILED ? "../.." : "..",
);

/** A file that ships as it is (not compiled), by its path from the package root. */
export function packageFile(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

/**
 * The entry point of a worker thread that runs TypeScript: under tsx its `<name>-worker.mjs`, which registers
 * tsx in the thread first (Node 20's threads do not inherit the main thread's module hooks); compiled, the
 * thread's own `<name>-thread.js`, loaded directly. `from` is the starting module's `import.meta.url`; both
 * files sit beside it.
 */
export function threadEntry(from: string, name: string): URL {
  return new URL(COMPILED ? `./${name}-thread.js` : `./${name}-worker.mjs`, from);
}

/** `packageFile(...)` as a file: URL (for `new Worker` and `readFileSync(URL)`). */
export function packageFileUrl(...parts: string[]): URL {
  return pathToFileURL(packageFile(...parts));
}
