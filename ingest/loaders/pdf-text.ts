import { Worker } from "node:worker_threads";
import { packageFileUrl } from "../../src/package-root.js";
import { threadOptions } from "../../src/thread-argv.js";

export interface PdfText {
  pages: { num: number; text: string }[];
  /** The document-information title as stored, or null. */
  title: string | null;
}

/** pdf.js failed on the file: `name` is pdf.js's exception name (PasswordException, InvalidPDFException…). */
export class PdfReadError extends Error {
  constructor(
    readonly pdfName: string,
    message: string,
  ) {
    super(message);
  }
}

type Reply =
  | { id: number; ok: true; pages: PdfText["pages"]; title: string | null }
  | { id: number; ok: false; name: string; message: string };

// Plain JavaScript, not compiled: from the source tree also when the ingest runs compiled (dist/).
const WORKER_URL = packageFileUrl("ingest", "loaders", "pdf-text-worker.mjs");

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve(text: PdfText): void; reject(error: Error): void }>();

/**
 * One thread, started on the first PDF, reads every PDF's text layer (pdf-text-worker.mjs). pdf.js runs there
 * in plain JavaScript: loaded through tsx's hooks (as everything on the main thread is) it took 519 MB of
 * resident memory to read a 10-page PDF, in plain Node 94 MB. The thread does not keep the process alive
 * while it has nothing to do.
 */
function pdfWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_URL, { ...threadOptions() });
  w.on("message", (reply: Reply) => {
    const job = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) w.unref();
    if (!job) return;
    if (reply.ok) job.resolve({ pages: reply.pages, title: reply.title });
    else job.reject(new PdfReadError(reply.name, reply.message));
  });
  w.on("exit", (code) => {
    worker = null;
    for (const job of waiting.values())
      job.reject(new Error(`the PDF reader thread stopped (exit code ${code})`));
    waiting.clear();
  });
  w.on("error", () => {});
  worker = w;
  return w;
}

/** The text of each page of a PDF, and its title. A file pdf.js cannot read rejects with PdfReadError. */
export function readPdfText(data: Uint8Array): Promise<PdfText> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    const w = pdfWorker();
    w.ref();
    // A copy, transferred: pdf.js may take over the buffer it is given, and the caller keeps its bytes.
    const copy = new Uint8Array(data);
    w.postMessage({ id, data: copy }, [copy.buffer]);
  });
}
