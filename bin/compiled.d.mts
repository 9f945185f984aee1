/** The file dist/ gets last, when the build succeeded (bin/build.mjs). */
export const STAMP: string;
/** True when `root`/dist was built after the last change to any compiled source or build setting. */
export function compiledIsCurrent(root: string): boolean;
