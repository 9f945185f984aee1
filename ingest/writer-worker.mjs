// The writer thread's entry point (ingest/threaded-writer.ts). Worker threads do not inherit tsx's module
// hooks from the main thread on Node 20, so a plain .mjs registers them before loading the TypeScript side.
import { register } from "tsx/esm/api";

register();
await import("./writer-thread.ts");
