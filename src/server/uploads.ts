import fs from "node:fs/promises";
import path from "node:path";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Config } from "../config.js";
import { FileTooLargeError, UnsupportedMediaTypeError, UploadsUnavailableError } from "../errors.js";
import type { DocumentRecord, Store } from "../store/store.js";
import { documentView } from "./document-view.js";
import { receiveFile } from "./multipart-file.js";
import { safeUploadName } from "./upload-name.js";

/** What the server needs from the ingest side to take uploads; wired by `grounded serve`. */
export interface Uploads {
  /** Lower-case extensions with the dot that ingest can read. */
  extensions: readonly string[];
  /** Run the ingest pipeline on one file and return its document; throws LoaderError if it cannot be read. */
  ingestFile(file: string): Promise<DocumentRecord>;
}

export const UPLOAD_PATH = "/api/documents";

// Room for the multipart boundaries and part headers around the file itself.
const ENVELOPE_BYTES = 64 * 1024;

/** Uploads are kept next to the index, so an index and the files it was built from travel together. */
export function uploadsDir(config: Config): string {
  return config.uploadsDir;
}

function tooLarge(config: Config): FileTooLargeError {
  return new FileTooLargeError(Math.round(config.maxUploadBytes / 1024 / 1024), config.cli);
}

/** `POST /api/documents`: multipart/form-data with one file, saved under the uploads folder and ingested. */
export function registerUploads(
  app: Hono,
  deps: { config: Config; store: Store; uploads?: Uploads | undefined },
): void {
  const { config, store, uploads } = deps;
  const limit = bodyLimit({
    maxSize: config.maxUploadBytes + ENVELOPE_BYTES,
    onError: () => {
      throw tooLarge(config);
    },
  });

  app.post(UPLOAD_PATH, limit, async (c) => {
    if (!uploads) {
      throw new UploadsUnavailableError(config.cli);
    }
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data")) {
      throw new UnsupportedMediaTypeError("Send the file as multipart/form-data with one field named file.");
    }
    const dir = uploadsDir(config);
    const received = await receiveFile(c.req.raw, {
      maxBytes: config.maxUploadBytes,
      dir,
      maxMb: Math.round(config.maxUploadBytes / 1024 / 1024),
      cli: config.cli,
    });
    const name = safeUploadName(received.name);
    const ext = name ? path.extname(name).toLowerCase() : "";
    if (!name || !uploads.extensions.includes(ext)) {
      await fs.rm(received.partial, { force: true });
      throw new UnsupportedMediaTypeError(
        `"${received.name}" is not a type grounded can read; upload one of: ${uploads.extensions.join(", ")}.`,
        "unsupported_file_type",
      );
    }
    const target = path.join(dir, name);
    await fs.rename(received.partial, target);
    const existed = (await store.documentByPath(target)) !== undefined;
    try {
      const doc = await uploads.ingestFile(target);
      return c.json(
        { document: documentView(doc), chunks: doc.chunkCount, status: existed ? "updated" : "added" },
        201,
      );
    } catch (e) {
      if (!(await store.documentByPath(target))) await fs.rm(target, { force: true });
      throw e;
    }
  });
}
