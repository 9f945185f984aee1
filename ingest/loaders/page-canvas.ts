import type { Canvas } from "@napi-rs/canvas";

/**
 * pdf.js's canvas factory for Node (its NodeCanvasFactory, same calls), keeping the canvases it made so that
 * they can be emptied as soon as a page's image is encoded: @napi-rs/canvas holds a page's pixels (35 MB at
 * 300 dpi) outside the JavaScript heap, and without this a long scan grows by that much a page until the GC
 * happens to run.
 */
export async function trackedCanvases() {
  // Loaded with the first scan, like pdf-parse itself: a native module that text-only ingests never need.
  const { createCanvas } = await import("@napi-rs/canvas");
  const made = new Set<Canvas>();
  type CanvasAndContext = { canvas: Canvas | null; context: unknown };
  class Factory {
    create(width: number, height: number): CanvasAndContext {
      if (width <= 0 || height <= 0) throw new Error("Invalid canvas size");
      const canvas = createCanvas(width, height);
      made.add(canvas);
      return { canvas, context: canvas.getContext("2d") };
    }
    reset(target: CanvasAndContext, width: number, height: number) {
      if (!target.canvas) throw new Error("Canvas is not specified");
      target.canvas.width = width;
      target.canvas.height = height;
    }
    destroy(target: CanvasAndContext) {
      if (!target.canvas) throw new Error("Canvas is not specified");
      target.canvas.width = 0;
      target.canvas.height = 0;
      made.delete(target.canvas);
      target.canvas = null;
      target.context = null;
    }
  }
  const release = () => {
    for (const canvas of made) {
      canvas.width = 0;
      canvas.height = 0;
    }
    made.clear();
  };
  return { Factory, release };
}
