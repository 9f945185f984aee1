import type { OllamaPullProgress } from "../src/ollama/wire.js";
import type { Output } from "./progress.js";

const BAR = 24;

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

/**
 * How a pull looks: on a terminal each layer (digest) gets a bar redrawn in place with its percent and size;
 * on a pipe, one plain line per step and one when a layer is complete, so logs stay short.
 */
export function createPullProgress(out: Output) {
  let model = "";
  let status = "";
  let barShown = false;
  const finished = new Set<string>();

  const endBar = () => {
    if (barShown) out.write("\n");
    barShown = false;
  };

  return {
    onProgress(name: string, p: OllamaPullProgress) {
      if (name !== model) {
        endBar();
        model = name;
        status = "";
        out.write(`Pulling ${name}\n`);
      }
      const layer = p.digest && p.total ? p.digest.replace(/^sha256:/, "").slice(0, 12) : null;
      if (layer && p.total) {
        const completed = Math.min(p.completed ?? 0, p.total);
        const percent = Math.floor((completed / p.total) * 100);
        if (out.isTTY) {
          if (p.status !== status) endBar();
          const filled = Math.round((percent / 100) * BAR);
          out.write(
            `\r\x1b[2K  ${layer} ${String(percent).padStart(3)}% ▕${"█".repeat(filled)}${" ".repeat(BAR - filled)}▏ ${size(completed)} / ${size(p.total)}`,
          );
          barShown = true;
        } else if (p.status !== status) {
          out.write(`  ${layer} ${percent}% of ${size(p.total)}\n`);
        } else if (percent === 100 && !finished.has(layer)) {
          out.write(`  ${layer} 100% of ${size(p.total)}\n`);
        }
        if (percent === 100) finished.add(layer);
        status = p.status;
        return;
      }
      if (p.status === status) return;
      endBar();
      status = p.status;
      out.write(`  ${p.status}\n`);
    },
    finish() {
      endBar();
    },
  };
}
