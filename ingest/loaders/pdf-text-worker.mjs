// Reads the text layer of PDFs with pdf-parse (pdf.js), on a thread of its own and deliberately in plain
// JavaScript: worker threads do not inherit tsx's module hooks on Node 20, and pdf.js loaded through them
// costs ~440 MB of memory against ~50 MB in plain Node (measured; ingest/loaders/pdf-text.ts says more).
import { parentPort } from "node:worker_threads";

const { PDFParse } = await import("pdf-parse");

parentPort.on("message", async ({ id, data }) => {
  const parser = new PDFParse({ data, verbosity: 0 });
  try {
    const result = await parser.getText();
    let title = null;
    try {
      const raw = (await parser.getInfo()).info?.Title;
      title = typeof raw === "string" ? raw : null;
    } catch {
      // No document information: no title.
    }
    parentPort.postMessage({
      id,
      ok: true,
      pages: result.pages.map((p) => ({ num: p.num, text: p.text })),
      title,
    });
  } catch (error) {
    parentPort.postMessage({
      id,
      ok: false,
      name: error instanceof Error ? error.name : "Error",
      message: error instanceof Error ? error.message : String(error),
    });
  } finally {
    await parser.destroy().catch(() => undefined);
  }
});
