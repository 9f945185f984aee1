import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusalKind } from "../src/answer/refusal.js";
import { postJson } from "./helpers/app.js";
import { type IndexedService, startIndexedService } from "./helpers/indexed-service.js";

describe("a chat model's answer that says the documents do not cover the question", () => {
  it("is a refusal when every sentence says so, whatever it cites", () => {
    for (const answer of [
      "The documents do not cover this question.",
      "The provided sources do not mention the price of the kettle. [1][2]",
      "The context doesn't specify when the warranty starts [2].",
      "There is no information about descaling intervals in the documents.",
      "I could not find the answer in the sources.",
      "I don't know.",
      "The sources contain no figure for 2019. They do not say who built it either. [1]",
      "文件中沒有關於這個問題的內容。",
      "提供的資料並未提及保固期限。[1]",
      "来源中没有提到这个价格[2]。",
      "無法根據文件回答這個問題。",
    ]) {
      expect(refusalKind(answer), answer).toBe("refusal");
    }
  });

  it("opens with a refusal when it then answers from the sources", () => {
    for (const answer of [
      "The documents do not give the 2019 figure. For 2020 they give 5 % [1].",
      "The sources do not state the exact date, but the tower opened in spring 1901 [1].",
      "文件沒有提到2019年的數字，但2020年是百分之五[1]。",
    ]) {
      expect(refusalKind(answer), answer).toBe("opens with a refusal");
    }
  });

  it("is an answer when it does not deny that the documents hold it", () => {
    for (const answer of [
      "Descale the kettle every four weeks with citric acid [1].",
      "The kettle does not need descaling more than once a month [1].",
      "The manual does not recommend vinegar; use citric acid instead [1].",
      // "It" refers back to the documents only after a sentence that named them.
      "It does not cover damage from limescale [2].",
      "The sources do not agree: [1] says four weeks and [2] says six.",
      "According to the documents, the warranty lasts two years [2]. It does not cover misuse [2].",
      "每四週用檸檬酸除垢一次[1]。",
      "保固不包含人為損壞[2]。",
      // Sentences of documents that a model may quote: they deny something, not that the documents hold it.
      "根據前述文件，不包括外傭、喪偶人士[1]。",
      "英語版的選題和內容未發生明顯變化[2]。",
      "十七歲時，他到南昌成婚，可在結婚的當天，大家都找不到他[1]。",
      "但實際上最初的來源並無法確定[3]。",
      "",
    ]) {
      expect(refusalKind(answer), answer).toBeNull();
    }
  });
});

describe("/api/ask reports a model's refusal as not covered", () => {
  let service: IndexedService;
  beforeAll(async () => {
    service = await startIndexedService();
  }, 60_000);
  afterAll(() => service?.close());

  const ask = (question: string) => postJson(`${service.url}/api/ask`, { question });

  it("a refusal that cites its sources is not grounded and cites nothing", async () => {
    service.ollama.reset();
    const answered = await ask("How long does the warranty last?");
    expect(answered.json).toMatchObject({ grounded: true, coverage: "answered" });
    service.ollama.reply = () => "The provided sources do not mention how long the warranty lasts. [1][2]";
    const r = await ask("How long does the warranty last?");
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ grounded: false, coverage: "not_covered", citations: [] });
    expect(r.json.answer).toBe("The provided sources do not mention how long the warranty lasts. [1][2]");
    // The sources the model read are still listed, so the reader can check the refusal.
    expect(r.json.sources.length).toBeGreaterThan(0);
  });

  it("an answer that opens with a refusal and then answers is partial, with its citations", async () => {
    service.ollama.reset();
    service.ollama.reply = () =>
      "The documents do not say when the warranty starts. It lasts two years from purchase [1].";
    const r = await ask("How long does the warranty last?");
    expect(r.json).toMatchObject({ grounded: true, coverage: "partial" });
    expect(r.json.citations).toHaveLength(1);
    service.ollama.reply = undefined;
  });
});
