// The commit thread's entry point (ingest/threaded-commits.ts). Worker threads do not inherit tsx's module
// hooks from the main thread on Node 20, so a plain .mjs registers them before loading the TypeScript side.
import { register } from "tsx/esm/api";

register();
await import("./commit-thread.ts");
