import { describe, expect, it } from "vitest";
import { extractiveAnswer, statements } from "../src/answer/extractive.js";
import type { RetrievedChunk } from "../src/retrieval/types.js";

let nextId = 1;
function source(text: string, name = "doc.md"): RetrievedChunk {
  const id = nextId++;
  return {
    chunkId: id,
    chunkIds: [id],
    documentId: id,
    source: name,
    title: null,
    page: null,
    heading: null,
    text,
    seq: 0,
    start: 0,
    end: text.length,
    score: 1,
  };
}

describe("extractive answers read the structure of a passage", () => {
  it("treats headings as context, not sentences, in Markdown and in PDF-like text", () => {
    const pdfText = [
      "Greenhouse Handbook",
      "",
      "Watering",
      "Water in the early morning, before 9:00, so leaves dry before the midday sun.",
      "Tomatoes need about 2 litres per plant every day.",
    ].join("\n");
    const s = statements(pdfText);
    expect(s.map((x) => x.sentence)).toEqual([
      "Water in the early morning, before 9:00, so leaves dry before the midday sun.",
      "Tomatoes need about 2 litres per plant every day.",
    ]);
    expect(s[0]?.heading).toBe("Watering");
    expect(statements("## Descaling\n\nDescale **once a month**.").map((x) => x.sentence)).toEqual([
      "Descale once a month.",
    ]);
  });

  it("quotes the list item that answers, not the heading glued to the first item", () => {
    const router = source(
      [
        "Lights",
        "- Solid white: connected to the internet.",
        "- Solid red: no internet connection; restart the router.",
        "- Blinking blue: pairing.",
      ].join("\n"),
      "router.md",
    );
    const answer = extractiveAnswer("What does a solid red light on the router mean?", [router]);
    expect(answer?.split("\n")[0]).toBe("Solid red: no internet connection; restart the router. [1]");
  });

  it("answers from one source rather than padding with loosely related lines from others", () => {
    const kettle = source(
      "## Descaling\n\nDescale the kettle once a month with citric acid. The descale light turns orange after 100 boils.",
      "kettle.md",
    );
    const vinegar = source("Mix white vinegar and water in equal parts for cleaning windows.", "cleaning.md");
    const answer = extractiveAnswer("How often should I descale the kettle?", [kettle, vinegar]) ?? "";
    expect(answer.split("\n")[0]).toBe("Descale the kettle once a month with citric acid. [1]");
    expect(answer).not.toContain("[2]");
  });

  it("answers a Chinese question with the sentence that holds it", () => {
    const rules = source("# 借閱規則\n\n## 押金\n\n押金為兩個月租金。每月租金於五日前繳交。", "租約.md");
    const answer = extractiveAnswer("押金多少？", [rules]);
    expect(answer?.split("\n")[0]).toBe("押金為兩個月租金。 [1]");
  });

  it("uses the conversation for a follow-up without a subject", () => {
    const kettle = source(
      "## Descaling\n\nUse citric acid to descale the kettle.\n\n## Warranty\n\nThe warranty lasts two years.",
    );
    const history = [{ role: "user" as const, content: "How do I descale the kettle?" }];
    expect(extractiveAnswer("And with what?", [kettle], 3, history)?.split("\n")[0]).toBe(
      "Use citric acid to descale the kettle. [1]",
    );
    expect(extractiveAnswer("And with what?", [kettle])).toBeNull();
  });
});
