import { isUtf8 } from "node:buffer";
import fs from "node:fs/promises";
import path from "node:path";
import type { Hono } from "hono";
import type { Config } from "../config.js";
import { ForbiddenFileError, NotFoundError, ValidationError } from "../errors.js";
import type { DocumentRecord, Store } from "../store/store.js";
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
    const raw = c.req.param("id");
    const id = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
      throw new ValidationError(`Document id "${raw}" is not a number.`);
    const doc = deps.store.document(id);
    if (!doc) throw new NotFoundError(`No document with id ${id}. GET /api/documents lists them.`);
    const file = await servablePath(doc, deps.config);
    const bytes = await fs.readFile(file);
    const shown = SHOWN[doc.format] ?? { type: "application/octet-stream", inline: false };
    const textual = shown.type.startsWith("text/");
    // Text files are served as written; the charset is named only when the bytes are UTF-8 (a Big5 or
    // Windows-1252 file is left to the browser rather than shown as mojibake).
    const type = textual && isUtf8(bytes) ? `${shown.type}; charset=utf-8` : shown.type;
    return c.body(new Uint8Array(bytes), 200, {
      "Content-Type": type,
      "Content-Disposition": disposition(shown.inline, path.basename(doc.path)),
      "X-Content-Type-Options": "nosniff",
      // Whatever the file holds, it runs nothing on grounded's origin (a PDF keeps the browser's viewer).
      ...(doc.format === "pdf" ? {} : { "Content-Security-Policy": "sandbox; default-src 'none'" }),
      "Cache-Control": "private, no-cache",
    });
  });
}
