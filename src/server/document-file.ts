import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import { ForbiddenFileError, NotFoundError } from "../errors.js";
import type { DocumentRecord, Store } from "../store/store.js";
import { documentFromParam } from "./document-param.js";
import { uploadsDir } from "./uploads.js";

/** What a browser does with the original of each format. */
const SHOWN: Record<string, { type: string; inline: boolean }> = {
  pdf: { type: "application/pdf", inline: true },
  markdown: { type: "text/markdown", inline: true },
  text: { type: "text/plain", inline: true },
  // HTML is never rendered from grounded's own origin: its scripts could call the API as the user.
  html: { type: "text/plain", inline: false },
  docx: { type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", inline: false },
};

const within = (file: string, folder: string) => file === folder || file.startsWith(folder + path.sep);

/**
 * The real path of a document's file, if it may be served: it must still exist as a regular file, and its
 * real location (links followed) must lie inside the folder it was ingested from, or in the uploads folder.
 * So a link placed in an indexed folder, or a path changed in the index file, never reaches other files.
 */
async function servablePath(doc: DocumentRecord, config: Config): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(doc.path);
  } catch {
    throw new NotFoundError(
      `The file of "${doc.source}" is no longer at ${doc.path}: it was moved or deleted after it was indexed. Ingest its folder again to update the index.`,
    );
  }
  const folders = [doc.root, uploadsDir(config)];
  const allowed = await Promise.all(
    folders.map((f) =>
      fs.realpath(f).then(
        (r) => within(real, r),
        () => false,
      ),
    ),
  );
  if (!allowed.some(Boolean) || !(await fs.stat(real)).isFile()) throw new ForbiddenFileError(doc.source);
  return real;
}

/** `filename` for ASCII clients and `filename*` (RFC 6266/8187) so 說明書.pdf keeps its name. */
function disposition(inline: boolean, name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${inline ? "inline" : "attachment"}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * `GET /api/documents/:id/file`: the original file of an indexed document, read-only, so a citation can
 * open the evidence (the web page opens a PDF at the cited page, a text file at the passage). Behind the
 * same checks as every /api route (Host and Origin, the API key).
 */
export function registerDocumentFile(app: Hono, deps: { config: Config; store: Store }): void {
  app.get("/api/documents/:id/file", async (c) => {
    const doc = await documentFromParam(deps.store, c.req.param("id"));
    const file = await servablePath(doc, deps.config);
    const shown = SHOWN[doc.format] ?? { type: "application/octet-stream", inline: false };
    // Text files are read to name their charset only when they are UTF-8 (a Big5 or Windows-1252 file is
    // left to the browser rather than shown as mojibake); anything else (a large PDF) is streamed.
    const text = shown.type.startsWith("text/") ? await fs.readFile(file) : null;
    const type = text && isUtf8(text) ? `${shown.type}; charset=utf-8` : shown.type;
    const body = text
      ? new Uint8Array(text)
      : (Readable.toWeb(createReadStream(file)) as unknown as ReadableStream<Uint8Array>);
    return c.body(body, 200, {
      "Content-Type": type,
      "Content-Disposition": disposition(shown.inline, path.basename(doc.path)),
      "X-Content-Type-Options": "nosniff",
      // Whatever the file holds, it runs nothing on grounded's origin (a PDF keeps the browser's viewer).
      ...(doc.format === "pdf" ? {} : { "Content-Security-Policy": "sandbox; default-src 'none'" }),
      "Cache-Control": "private, no-cache",
    });
  });
}
