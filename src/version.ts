import { readFileSync } from "node:fs";
import { packageFile } from "./package-root.js";

/** grounded's version, from package.json (read once at start-up). */
export const VERSION: string = (
  JSON.parse(readFileSync(packageFile("package.json"), "utf8")) as { version: string }
).version;
