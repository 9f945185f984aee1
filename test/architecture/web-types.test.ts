import { describe, expectTypeOf, it } from "vitest";
import type { AskEvent, AskResult } from "../../src/answer/answerer.js";
import type { documentView } from "../../src/server/document-view.js";
import type {
  AskEvent as PageAskEvent,
  AskResult as PageAskResult,
  DocumentView as PageDocumentView,
} from "../../src/server/web/events.js";

/**
 * The web page declares the shapes it reads (src/server/web/events.d.ts, for its `// @ts-check`); these
 * checks fail `npm run typecheck` when the server sends something the page's types no longer describe.
 */
describe("the web page's types describe what the server sends", () => {
  it("/api/ask results and stream events", () => {
    expectTypeOf<AskResult>().toExtend<PageAskResult>();
    expectTypeOf<AskEvent>().toExtend<PageAskEvent>();
  });

  it("documents as /api/documents lists them", () => {
    expectTypeOf<ReturnType<typeof documentView>>().toExtend<PageDocumentView>();
  });
});
