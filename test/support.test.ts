import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerSentences, checkSentences } from "../src/answer/support.js";
import { postJson } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";

const KETTLE =
  "## Descaling\n\nLimescale builds up faster in hard water. Descale the Kettle K2 **once a month** in a hard-water area, or\nevery three months where the water is soft. The descale light turns orange after 100 boils as a reminder.";
const GREENHOUSE = "Watering\nTomatoes need about 2 litres per plant every day in July and August.";
const LIBRARY =
  "# 社區圖書館借閱規則\n\n每位讀者最多可借十本書，借期為二十八天。可以續借一次。逾期未還的圖書，每本每日罰款五元。";
const RENT = "押金為兩個月租金，共新台幣 36000 元。租金每月 18000 元，於每月 5 日前繳交。";
const passages = new Map([
  [1, KETTLE],
  [2, GREENHOUSE],
  [3, LIBRARY],
  [4, RENT],
]);

const check = (answer: string) => checkSentences(answer, passages).sentences;

describe("the sentence check (src/answer/support.ts)", () => {
  it("marks a sentence its source says as supported, with the span that says it", () => {
    const [s] = check("Descale the Kettle K2 once a month in a hard-water area. [1]");
    expect(s).toMatchObject({ support: "supported", citations: [1] });
    const evidence = s?.evidence;
    expect(evidence?.n).toBe(1);
    expect(KETTLE.slice(evidence?.start, evidence?.end)).toBe(
      "Descale the Kettle K2 **once a month** in a hard-water area, or\nevery three months where the water is soft.",
    );
  });

  it("flags a changed number, in English and in Chinese", () => {
    expect(check("The descale light turns orange after 200 boils. [1]")[0]?.support).toBe("unsupported");
    expect(check("The descale light turns orange after 100 boils. [1]")[0]?.support).toBe("supported");
    expect(check("租金每月 18000 元。[4]")[0]?.support).toBe("supported");
    expect(check("租金每月 16000 元。[4]")[0]?.support).toBe("unsupported");
    // A number that is in the passage, but beside other words: 5 is the due day, not the rent.
    expect(check("押金為 5 元。[4]")[0]?.support).toBe("unsupported");
  });

  it("flags a sentence that cites the wrong source", () => {
    const [right, wrong] = check(
      "Tomatoes need about 2 litres per plant every day. [2] Tomatoes need about 2 litres per plant every day. [1]",
    );
    expect(right?.support).toBe("supported");
    expect(wrong?.support).toBe("unsupported");
    expect(check("每位讀者最多可借十本書。[1]")[0]?.support).toBe("unsupported");
  });

  it("checks Traditional sentences against a passage and a Simplified sentence against the same passage", () => {
    expect(check("每位讀者最多可借十本書，借期為二十八天。[3]")[0]?.support).toBe("supported");
    expect(check("每位读者最多可借十本书，借期为二十八天。[3]")[0]?.support).toBe("supported");
  });

  it("marks a sentence with no citation as uncited, unless a marker at its paragraph's end covers it", () => {
    const sentences = check(
      "Limescale builds up faster in hard water. Descale the Kettle K2 once a month. [1]\nKettles are great.",
    );
    expect(sentences.map((s) => [s.support, s.citations])).toEqual([
      ["supported", [1]],
      ["supported", [1]],
      ["uncited", []],
    ]);
    expect(checkSentences("Kettles are great.", passages).unsupported).toBe(1);
  });

  it("splits answers where the marker follows the full stop", () => {
    expect(answerSentences("First claim. [1] Second claim [2]. 第三句。[3]")).toEqual([
      { text: "First claim.", citations: [1] },
      { text: "Second claim.", citations: [2] },
      { text: "第三句。", citations: [3] },
    ]);
  });
});

describe("sentences over HTTP", () => {
  let service: IndexedService;

  beforeAll(async () => {
    // A model that adds a sentence from another file, cited as the first sentence's source.
    service = await startIndexedService({
      standIn: { replyMode: "add-foreign" },
      env: { GROUNDED_FLAG_UNSUPPORTED: "1" },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  it("/api/ask returns every sentence checked, and counts the unsupported", async () => {
    const r = await postJson(`${service.url}/api/ask`, { question: "How long does the warranty last?" });
    expect(r.status).toBe(200);
    const sentences = r.json.sentences as Array<{ support: string; citations: number[] }>;
    expect(sentences).toHaveLength(2);
    expect(sentences[0]?.support).toBe("supported");
    expect(sentences[1]?.support).not.toBe("supported");
    expect(r.json.unsupported).toBeGreaterThanOrEqual(sentences[1]?.support === "weak" ? 0 : 1);
  });

  it("the Ollama-compatible API says which sentence is unsupported, after the Sources list, when asked to", async () => {
    const client = new Ollama({ host: service.url });
    const res = await client.chat({
      model: "grounded",
      messages: [{ role: "user", content: "How long does the warranty last?" }],
    });
    const [answer, footer] = res.message.content.split("\n\nSources:\n");
    expect(answer).toContain("24 months");
    expect(footer).toMatch(/\nNot supported by the cited sources: "[^"]+"$/);
  });
});
