import type { IngestEvent, IngestSummary } from "../ingest/ingest-report.js";
import { supportedExtensions } from "../ingest/loaders/index.js";

export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * A terminal gets one status line redrawn in place (files, chunks, rate) plus a line per change or
 * failure; a pipe gets plain lines only, one per file that changed or failed.
 */
export function createProgress(out: Output, startedAt = performance.now()) {
  let statusShown = false;
  let lastDraw = 0;
  const clear = () => {
    if (statusShown) out.write("\r\x1b[2K");
    statusShown = false;
  };
  return {
    onEvent(e: IngestEvent) {
      if (e.type === "file") {
        if (e.status === "unchanged") return;
        clear();
        const detail =
          e.status === "failed" || e.status === "skipped"
            ? `: ${e.reason}`
            : e.chunks !== undefined
              ? ` (${e.chunks} chunk${e.chunks === 1 ? "" : "s"})${e.note ? `: ${e.note}` : ""}`
              : "";
        out.write(`${e.status.padEnd(8)} ${e.source}${detail}\n`);
        return;
      }
      if (e.type === "ocr") {
        // OCR takes seconds a page: a line for each, or the status line on a terminal.
        const line = `ocr      ${e.source}: page ${e.page} (${e.done} of ${e.total})`;
        if (!out.isTTY) out.write(`${line}\n`);
        else {
          out.write(`\r\x1b[2K${line}`);
          statusShown = true;
        }
        return;
      }
      if (!out.isTTY) return;
      const now = performance.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const seconds = (now - startedAt) / 1000;
      const rate = seconds > 0 ? Math.round(e.chunksEmbedded / seconds) : 0;
      out.write(
        `\r\x1b[2K${e.files} files, ${e.chunksEmbedded}/${e.chunksQueued} chunks embedded, ${rate} chunks/s`,
      );
      statusShown = true;
    },
    finish(s: IngestSummary) {
      clear();
      out.write(
        `Done: ${s.added} added, ${s.updated} updated, ${s.unchanged} unchanged, ${s.removed} removed, ${s.failed} failed` +
          `${s.skipped ? `, ${s.skipped} skipped` : ""}; ` +
          `${s.chunks} chunks in ${s.seconds.toFixed(1)} s (${s.embedRequests} embedding request${s.embedRequests === 1 ? "" : "s"}).\n`,
      );
      const other = otherFilesLine(s.otherFiles);
      if (other) out.write(`${other}\n`);
    },
  };
}

/** "3 files of other types were not read (2 .png, 1 without extension); supported: …", or "" when none. */
function otherFilesLine(otherFiles: Record<string, number>): string {
  const kinds = Object.entries(otherFiles).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const total = kinds.reduce((n, [, count]) => n + count, 0);
  if (total === 0) return "";
  const shown = kinds.slice(0, 5).map(([ext, count]) => `${count} ${ext || "without extension"}`);
  if (kinds.length > 5) shown.push("…");
  return `${total} file${total === 1 ? " is" : "s are"} of other types and ${total === 1 ? "was" : "were"} not read (${shown.join(", ")}); supported: ${supportedExtensions.join(" ")}`;
}
