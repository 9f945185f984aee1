import type { Service } from "../service/service.js";
import type { Uploads } from "./uploads.js";

/**
 * What the HTTP app is built from: the service (src/service/service.ts, built once from the config), the
 * version it reports, and the upload hook `grounded serve` wires to the ingest pipeline (without it,
 * `POST /api/documents` answers 501).
 */
export type AppDeps = Pick<
  Service,
  "config" | "store" | "retriever" | "answerer" | "answererFor" | "embedder" | "probeOllama"
> & {
  version: string;
  uploads?: Uploads | undefined;
};
