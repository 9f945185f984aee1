import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import { createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import { mergeAdjacent } from "../src/retrieval/passages.js";
import { createRetriever } from "../src/retrieval/retriever.js";
import type { RetrievedChunk } from "../src/retrieval/types.js";
import { openStore, type Store } from "../src/store/store.js";
import { tempDir } from "./helpers/tmp.js";

const ZH_SENTENCES = [
  "黑龙江省博物馆始建于一九零四年，原为莫斯科商场。",
  "满洲国时期，博物馆先后更名为东省特别区科学研究院与北满科学研究院。",
  "一九四五年起由苏联政府代管，改称哈尔滨地方志博物馆。",
  "一九五四年松江省与黑龙江省合并，更名为黑龙江省博物馆并使用至今。",
  "馆舍面积近一万平方米，藏品十一万余件，其中自然标本约八千件。",
  "博物馆是一座古典巴洛克建筑，毗邻圣尼古拉教堂，现为一类保护建筑。",
];
const EN_PARAGRAPHS = [
  "The museum reopened after the war with a new hall for fossils. Mammoth bones from the Songhua river were shown for the first time.",
  "Visitors reached the building by tram until the line closed. The tram stop still carries the museum's old name on its sign.",
  "A new building on Sun Island was approved in 2007. Its design keeps the copper dome of the old commercial hall as a reading room.",
  "Admission became free in 2008 for every visitor. Attendance doubled in the first year and school classes now book weeks ahead.",
  "The collection of calligraphy grew by gifts from private owners. Seal carvings by Deng Sanmu form the largest single group.",
  "Restoration of the facade ended in 2012 after four years. The original ochre paint was matched from fragments under later layers.",
];

/** Sections as the Markdown loader cuts them: each from its heading line to the next heading, trimmed. */
const SECTION_1 = `# 黑龙江省博物馆\n\n${Array.from({ length: 8 }, (_, i) => ZH_SENTENCES.map((s) => `${s.slice(0, -1)}（${i + 1}）。`).join("")).join("")}`;
const SECTION_2 = `## Later years\n\n${Array.from({ length: 6 }, (_, i) => EN_PARAGRAPHS.map((p) => `${p} (${i + 1})`).join("\n\n")).join("\n\n")}`;
const DOCUMENT = `${SECTION_1}\n\n${SECTION_2}\n`;

function asResult(c: Omit<RetrievedChunk, "score" | "chunkIds">, score: number): RetrievedChunk {
  return { ...c, score, chunkIds: [c.chunkId] };
}

describe("neighbouring chunks retrieved together become one passage", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let chunks: RetrievedChunk[];

  beforeAll(async () => {
    tmp = tempDir();
    const docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    fs.writeFileSync(path.join(docs, "museum.md"), DOCUMENT);
    fs.writeFileSync(path.join(docs, "other.md"), `# Other\n\n${EN_PARAGRAPHS.join("\n\n")}\n`);
    const config = loadConfig({
      GROUNDED_DB: path.join(tmp.dir, "index.db"),
      GROUNDED_CHUNK_TOKENS: "120",
      GROUNDED_CHUNK_OVERLAP: "40",
    });
    store = openStore(config.db);
    await ingest({ store, embedder: createBuiltinEmbedder(), config }, { roots: [docs] });
    chunks = (await store.chunks(await store.chunkIdsWithSourcePrefix("museum.md")))
      .sort((a, b) => a.seq - b.seq)
      .map((c) => asResult(c, 1));
  });
  afterAll(async () => {
    await store?.close();
    tmp?.cleanup();
  });

  it("joins every chunk of a section into exactly the section's text, overlap and paragraph breaks included", async () => {
    const bySection = chunks.filter((c) => c.heading === chunks[0]?.heading);
    expect(bySection.length).toBeGreaterThan(2);
    expect(chunks.length - bySection.length).toBeGreaterThan(2);
    // The chunks really overlap: together they are longer than the text they cover.
    const total = (cs: RetrievedChunk[]) => cs.reduce((n, c) => n + c.text.length, 0);
    expect(total(bySection)).toBeGreaterThan(SECTION_1.length);

    const passages = mergeAdjacent(chunks);
    expect(passages.map((p) => p.text)).toEqual([SECTION_1, SECTION_2]);
    expect(passages.map((p) => p.heading)).toEqual(["黑龙江省博物馆", "黑龙江省博物馆 > Later years"]);
    expect(passages[0]?.chunkIds).toEqual(bySection.map((c) => c.chunkId));
    expect(passages[0]?.start).toBe(0);
    expect(passages[1]?.end).toBe(DOCUMENT.length - 1);
  });

  it("keeps the ranking: a passage sits where its best chunk ranked, with that chunk's score", async () => {
    const [c0, c1, c2, c3, c4] = chunks as [
      RetrievedChunk,
      RetrievedChunk,
      RetrievedChunk,
      RetrievedChunk,
      RetrievedChunk,
    ];
    const ranked = [
      { ...c3, score: 9 },
      { ...c1, score: 8 },
      { ...c0, score: 5 },
      { ...c4, score: 4 },
    ];
    const passages = mergeAdjacent(ranked);
    // c3 and c4 are neighbours, c0 and c1 too; c2 was not retrieved, so the two runs stay apart.
    expect(passages.map((p) => p.chunkIds)).toEqual([
      [c3.chunkId, c4.chunkId],
      [c0.chunkId, c1.chunkId],
    ]);
    expect(passages.map((p) => p.score)).toEqual([9, 8]);
    // The passage starts where its first chunk starts and holds no text that was not retrieved.
    expect(passages[1]?.chunkId).toBe(c0.chunkId);
    expect(passages[1]?.text.startsWith(c0.text)).toBe(true);
    expect(passages[1]?.text.endsWith(c1.text)).toBe(true);
    expect(passages[1]?.text).not.toContain(c2.text);
  });

  it("never joins chunks of different documents, pages or headings", async () => {
    const [c0, c1] = chunks as [RetrievedChunk, RetrievedChunk];
    const otherDocument = { ...c1, documentId: c1.documentId + 1000 };
    expect(mergeAdjacent([c0, otherDocument])).toHaveLength(2);
    expect(mergeAdjacent([c0, { ...c1, page: 7 }])).toHaveLength(2);
    expect(mergeAdjacent([c0, { ...c1, heading: "Elsewhere" }])).toHaveLength(2);
    expect(mergeAdjacent([c0, c1])).toHaveLength(1);
  });

  it("the retriever returns passages; its ranking for k up to 10 is a prefix of the k = 10 ranking (the eval relies on it)", async () => {
    const retriever = createRetriever({
      store,
      embedder: createBuiltinEmbedder(),
    });
    for (const mode of ["lexical", "hybrid"] as const) {
      for (const query of [
        "黑龙江省博物馆更名为哪些名字？",
        "When did admission become free, and what happened to attendance?",
      ]) {
        const raw10 = (await retriever.retrieve(query, { k: 10, mode, merge: false })).results;
        expect(raw10.length).toBe(10);
        for (const k of [1, 5]) {
          const raw = (await retriever.retrieve(query, { k, mode, merge: false })).results;
          expect(raw.map((c) => c.chunkId)).toEqual(raw10.slice(0, k).map((c) => c.chunkId));
          const merged = (await retriever.retrieve(query, { k, mode })).results;
          expect(merged).toEqual(mergeAdjacent(raw10.slice(0, k)));
        }
        const merged10 = (await retriever.retrieve(query, { k: 10, mode })).results;
        expect(merged10.length).toBeLessThan(10);
        expect(merged10.flatMap((p) => p.chunkIds).sort()).toEqual(raw10.map((c) => c.chunkId).sort());
      }
    }
  });
});
