import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import { createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import { createRetriever } from "../src/retrieval/retriever.js";
import type { Retriever } from "../src/retrieval/types.js";
import { openStore, type Store } from "../src/store/store.js";
import { tempDir } from "./helpers/tmp.js";

/** A question in one Chinese script finds the passage written in the other, through the real index. */
describe("Traditional and Simplified Chinese find each other", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let retriever: Retriever;

  beforeAll(async () => {
    tmp = tempDir();
    const docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    // Simplified: a library's lending rules. Traditional: a kettle manual. Neither shares words with the other.
    fs.writeFileSync(
      path.join(docs, "library-zh-cn.md"),
      "# 图书馆借阅规则\n\n每位读者最多可借阅十本图书，借期为三十天。逾期归还的图书，每本每天罚款五元。续借需在到期前办理。\n",
    );
    fs.writeFileSync(
      path.join(docs, "kettle-zh-tw.md"),
      "# 電熱水壺使用說明\n\n每個月應除垢一次：將檸檬酸溶於水中煮沸，靜置十五分鐘後倒掉並沖洗乾淨。壺身請勿浸水。\n",
    );
    const config = loadConfig({ GROUNDED_DB: path.join(tmp.dir, "index.db") });
    store = openStore(config.db);
    await ingest({ store, embedder: createBuiltinEmbedder(), config }, { roots: [docs] });
    retriever = createRetriever({
      store,
      embedder: createBuiltinEmbedder(),
    });
  });
  afterAll(async () => {
    await store?.close();
    tmp?.cleanup();
  });

  it.each([
    [
      "Traditional question, Simplified document",
      "圖書館逾期還書的罰款是多少？",
      "library-zh-cn.md",
      "罚款五元",
    ],
    ["Simplified question, Traditional document", "电热水壶多久除垢一次？", "kettle-zh-tw.md", "除垢一次"],
    ["same script still works", "图书馆的借阅规则", "library-zh-cn.md", "借阅"],
    ["the heading alone, across scripts", "圖書館的借閱規則", "library-zh-cn.md", "借阅"],
  ])("%s", async (_what, question, source, passage) => {
    for (const mode of ["lexical", "hybrid"] as const) {
      const { results, relevant } = await retriever.retrieve(question, { k: 3, mode });
      expect(results[0]?.source, `${mode}: ${results.map((r) => r.source).join(", ")}`).toBe(source);
      // The passage is shown as written: only matching folds the script.
      expect(results[0]?.text).toContain(passage);
      expect(relevant, mode).toBe(true);
    }
  });
});
