import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingest } from "../ingest/pipeline.js";
import { loadConfig } from "../src/config.js";
import { builtinVector, createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import {
  CALIBRATION_KEY,
  calibrationCurrent,
  ensureCalibration,
  pseudoQuestion,
  readCalibration,
} from "../src/retrieval/calibration.js";
import { conversationContext, foldVectors } from "../src/retrieval/conversation.js";
import { CALIBRATION_VERSION, type Calibration, judgeCoverage } from "../src/retrieval/coverage.js";
import { createRetriever } from "../src/retrieval/retriever.js";
import type { Retriever } from "../src/retrieval/types.js";
import { openStore, type Store } from "../src/store/store.js";
import { writeCorpus } from "./helpers/corpus.js";
import { tempDir } from "./helpers/tmp.js";

const calibration = (lexical: number[], similarity: number[] | null = null): Calibration => ({
  version: CALIBRATION_VERSION,
  chunks: 100,
  embedModel: "m",
  lexical: [...lexical].sort((a, b) => a - b),
  similarity: similarity && [...similarity].sort((a, b) => a - b),
});

describe("the coverage decision (src/retrieval/coverage.ts)", () => {
  // Questions about absent documents reach 0.00..0.39 of their terms in one passage (median 0.2).
  const absent = calibration(
    Array.from({ length: 40 }, (_, i) => i / 100),
    Array.from({ length: 40 }, (_, i) => 0.6 + i / 200),
  );

  it("refuses evidence no better than a typical question about another document", async () => {
    expect(judgeCoverage({ lexical: 0.1, similarity: null }, absent, 6).coverage).toBe("not_covered");
    expect(judgeCoverage({ lexical: 0.19, similarity: 0.6 }, absent, 6).coverage).toBe("not_covered");
    expect(judgeCoverage({ lexical: 0.5, similarity: 0.7 }, absent, 0).coverage).toBe("not_covered");
  });

  it("answers evidence that stands above nearly all of them, when one passage holds most of the question", async () => {
    const j = judgeCoverage({ lexical: 0.6, similarity: null }, absent, 6);
    expect(j).toEqual({ coverage: "answered", standing: { lexical: 1, vector: null } });
  });

  it("sends the middle to the chat model as partial", async () => {
    expect(judgeCoverage({ lexical: 0.35, similarity: 0.6 }, absent, 6).coverage).toBe("partial");
    // Standing above every absent question but holding less than half of the question: not "answered".
    expect(judgeCoverage({ lexical: 0.45, similarity: null }, absent, 6).coverage).toBe("partial");
  });

  it("refuses a question no passage holds a third of, even when it stands above the calibration's median", async () => {
    // 0.3 beats three quarters of the absent-document questions, yet no passage holds a third of it.
    const j = judgeCoverage({ lexical: 0.3, similarity: 0.6 }, absent, 6);
    expect(j.standing.lexical).toBeGreaterThan(0.7);
    expect(j.coverage).toBe("not_covered");
    // A clear vector side still lifts it to partial.
    expect(judgeCoverage({ lexical: 0.3, similarity: 0.9 }, absent, 6).coverage).toBe("partial");
  });

  it("lets a clear vector side lift a weak lexical one to partial, never a question that shares nothing", async () => {
    expect(judgeCoverage({ lexical: 0.1, similarity: 0.9 }, absent, 6).coverage).toBe("partial");
    expect(judgeCoverage({ lexical: 0, similarity: 0.9 }, absent, 6).coverage).toBe("not_covered");
    // And a clear vector side makes a lexically middling question answered.
    expect(
      judgeCoverage({ lexical: 0.5, similarity: 0.9 }, calibration([0.1, 0.4, 0.45, 0.6]), 6).coverage,
    ).toBe("partial");
  });

  it("never refuses a question one passage holds entirely, even where absent-document questions do too", async () => {
    const sameVocabulary = calibration([0.2, 0.6, 1, 1, 1, 1]);
    expect(judgeCoverage({ lexical: 1, similarity: null }, sameVocabulary, 6).coverage).toBe("partial");
    // Ties count half: 1.0 beats the two lower samples and half of the four equal ones.
    expect(judgeCoverage({ lexical: 1, similarity: null }, sameVocabulary, 6).standing.lexical).toBeCloseTo(
      4 / 6,
    );
  });

  it("works without a calibration: nothing shared is not covered, most of the question is answered", async () => {
    expect(judgeCoverage({ lexical: 0, similarity: 0.99 }, null, 6).coverage).toBe("not_covered");
    expect(judgeCoverage({ lexical: 0.3, similarity: 0.2 }, null, 6).coverage).toBe("partial");
    expect(judgeCoverage({ lexical: 0.8, similarity: 0.2 }, null, 6).coverage).toBe("answered");
  });

  it("means the same standing for models whose similarities live on different scales", async () => {
    // e5-like: everything above 0.7; another model rarely above 0.5. Same standing, same decision.
    const high = calibration([0.1, 0.2, 0.3], [0.7, 0.75, 0.8, 0.82]);
    const low = calibration([0.1, 0.2, 0.3], [0.2, 0.3, 0.4, 0.45]);
    expect(judgeCoverage({ lexical: 0.05, similarity: 0.85 }, high, 6).coverage).toBe("partial");
    expect(judgeCoverage({ lexical: 0.05, similarity: 0.5 }, low, 6).coverage).toBe("partial");
    expect(judgeCoverage({ lexical: 0.05, similarity: 0.72 }, high, 6).coverage).toBe("not_covered");
  });
});

describe("conversation folding (src/retrieval/conversation.ts)", () => {
  it("folds the last questions and the opening of the last answer, without citation marks or footers", async () => {
    const context = conversationContext([
      { role: "user", content: "first" },
      { role: "assistant", content: "one" },
      { role: "user", content: "How often should I descale the kettle?" },
      { role: "assistant", content: "Every four weeks [1].\n\nSources:\n[1] manuals/kettle.md" },
    ]);
    expect(context?.text).toBe("first\nHow often should I descale the kettle?\nEvery four weeks .");
    expect(context?.weight).toBeGreaterThan(0);
    expect(context?.weight).toBeLessThan(1);
    expect(conversationContext([])).toBeUndefined();
  });

  it("adds vectors with the weight and normalises", async () => {
    const v = foldVectors(new Float32Array([1, 0]), new Float32Array([0, 1]), 0.5);
    expect(Math.hypot(v[0] ?? 0, v[1] ?? 0)).toBeCloseTo(1, 6);
    expect((v[0] ?? 0) / (v[1] ?? 1)).toBeCloseTo(2, 5);
  });
});

describe("calibration and follow-ups on a real index", () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let retriever: Retriever;
  const embedder = createBuiltinEmbedder();
  const history = [
    { role: "user" as const, content: "How often should the kettle be descaled?" },
    { role: "assistant" as const, content: "Descale the kettle every four weeks with citric acid. [1]" },
  ];

  beforeAll(async () => {
    tmp = tempDir();
    const docs = path.join(tmp.dir, "docs");
    writeCorpus(docs);
    // More documents, so questions about one have others to be compared with.
    for (const [name, text] of [
      [
        "bikes.md",
        "# Bike shed\n\nThe bike shed opens at seven. Bring your own lock; the shed has twelve racks.",
      ],
      [
        "recycling.md",
        "# Recycling\n\nGlass goes in the green bin on Tuesdays. Paper is collected every Friday.",
      ],
      [
        "parking.md",
        "# Parking\n\nVisitors park on level two. Permits are renewed each January at the office.",
      ],
    ] as const) {
      fs.writeFileSync(path.join(docs, name), text);
    }
    store = openStore(path.join(tmp.dir, "index.db"));
    await ingest({ store, embedder, config: loadConfig({}) }, { roots: [docs] });
    retriever = createRetriever({ store, embedder, calibration: () => readCalibration(store) });
  });

  afterAll(async () => {
    await store?.close();
    tmp?.cleanup();
  });

  it("ingest stores a calibration of the index, current until the index changes by a fifth", async () => {
    const stored = await readCalibration(store);
    const { chunks } = await store.counts();
    expect(stored).toMatchObject({ version: CALIBRATION_VERSION, chunks, embedModel: "builtin" });
    // A calibration measured before the own-document fix is measured again.
    expect(calibrationCurrent(stored && { ...stored, version: 1 as never }, chunks, "builtin")).toBe(false);
    expect(stored?.lexical.length).toBeGreaterThan(10);
    expect(stored?.lexical).toEqual([...(stored?.lexical ?? [])].sort((a, b) => a - b));
    expect(calibrationCurrent(stored, chunks, "builtin")).toBe(true);
    expect(calibrationCurrent(stored, chunks * 2, "builtin")).toBe(false);
    expect(calibrationCurrent(stored, chunks, "bge-m3")).toBe(false);
    // An index of one or two documents has no other documents to stand for absent ones: not calibrated.
    const single = openStore(path.join(tmp.dir, "single.db"));
    await ingest(
      { store: single, embedder, config: loadConfig({}) },
      { roots: [path.join(tmp.dir, "docs", "manuals")] },
    );
    expect(await readCalibration(single)).toBeNull();
    single.close();
    // Same index, same calibration: it is deterministic.
    await store.setMeta(CALIBRATION_KEY, "not json");
    expect(await readCalibration(store)).toBeNull();
    expect(await ensureCalibration(store, embedder)).toEqual(stored);
  });

  it("comes out the same whatever order an ingest stored the documents in", async () => {
    // An ingest stores a document when its last vector is in, so with requests in flight the order (and the
    // chunk ids) can differ between two ingests of one folder: the calibration must not follow it.
    const copy = async (
      name: string,
      order: (docs: Awaited<ReturnType<Store["listDocuments"]>>) => typeof docs,
    ) => {
      const other = openStore(path.join(tmp.dir, name));
      await other.ensureIndexInfo((await store.indexInfo()) ?? { embedModel: "builtin", dimensions: 0 });
      for (const d of order(await store.listDocuments())) {
        const chunks = await store.documentChunks(d.id);
        const { id: _id, chunkCount: _count, ingestedAt: _at, ...doc } = d;
        await other.replaceDocument(
          doc,
          chunks.map((c) => ({
            text: c.text,
            page: c.page,
            headingPath: c.heading ? [c.heading] : [],
            start: c.start,
            end: c.end,
            tokens: 10,
            context: c.title ?? "",
            vector: builtinVector(c.text),
          })),
        );
      }
      return other;
    };
    const forward = await copy("forward.db", (docs) => docs);
    const backward = await copy("backward.db", (docs) => [...docs].reverse());
    try {
      const [a, b] = [await forward.chunkIds(), await backward.chunkIds()];
      const texts = async (s: Store, ids: number[]) => {
        const byId = new Map((await s.chunks(ids)).map((c) => [c.chunkId, c.text]));
        return ids.map((id) => byId.get(id));
      };
      // The same ids name other chunks in the two copies ...
      expect(await texts(backward, a)).not.toEqual(await texts(forward, a));
      // ... and the order chunkIds gives is the same chunks in both.
      expect(await texts(backward, b)).toEqual(await texts(forward, a));
      const [ca, cb] = [
        await ensureCalibration(forward, embedder),
        await ensureCalibration(backward, embedder),
      ];
      expect(ca?.lexical.length).toBeGreaterThan(10);
      expect(cb).toEqual(ca);
    } finally {
      forward.close();
      backward.close();
    }
  });

  it("leaves a pseudo-question's own document out of both sides of its search", async () => {
    // Three long documents on one topic: a pseudo-question's own chunks would fill its top ten, and with
    // them left out afterwards nothing would remain. Every pseudo-question shares words with the others.
    const dir = path.join(tmp.dir, "papers");
    fs.mkdirSync(dir, { recursive: true });
    const topics = ["ferry", "tram", "bus"];
    for (const [d, topic] of topics.entries()) {
      const paragraphs = Array.from(
        { length: 24 },
        (_, p) =>
          `Section ${p} of the ${topic} timetable study. The ${topic} service on route ${d * 100 + p} carried passengers between the harbour and the station every morning, and the council measured delays in minutes for each week of the survey period.`,
      );
      fs.writeFileSync(path.join(dir, `${topic}.md`), paragraphs.join("\n\n"));
    }
    const papers = openStore(path.join(tmp.dir, "papers.db"));
    try {
      await ingest(
        {
          store: papers,
          embedder,
          config: loadConfig({ GROUNDED_CHUNK_TOKENS: "64", GROUNDED_CHUNK_OVERLAP: "0" }),
        },
        { roots: [dir] },
      );
      expect((await papers.counts()).chunks).toBeGreaterThan(30);
      const c = await readCalibration(papers);
      expect(c?.lexical.length).toBeGreaterThan(10);
      expect(Math.min(...(c?.lexical ?? [0]))).toBeGreaterThan(0);
    } finally {
      papers.close();
    }
  });

  it("cuts question-sized pseudo-questions from a passage", async () => {
    let i = 0;
    const random = () => [0.1, 0.5, 0.9][i++ % 3] ?? 0;
    const en = pseudoQuestion(
      "Short. The warranty lasts 24 months from the date of purchase of the kettle.",
      random,
    );
    expect(en?.split(" ").length).toBeGreaterThanOrEqual(6);
    expect(en?.split(" ").length).toBeLessThanOrEqual(18);
    const zh = pseudoQuestion(
      "每位讀者最多可借十本書，借期為二十八天，逾期每日罰款五元。可以續借一次。",
      random,
    );
    expect(Array.from(zh ?? "").length).toBeGreaterThanOrEqual(12);
    expect(Array.from(zh ?? "").length).toBeLessThanOrEqual(36);
    expect(pseudoQuestion("# Heading only", random)).toBeNull();
  });

  it("answers a question the index covers and refuses one it does not", async () => {
    expect((await retriever.retrieve("How long does the warranty last?", { k: 6 })).coverage).toBe(
      "answered",
    );
    expect((await retriever.retrieve("Who painted the Mona Lisa in Florence?", { k: 6 })).coverage).toBe(
      "not_covered",
    );
    expect((await retriever.retrieve("台北今天天氣如何？", { k: 6 })).coverage).toBe("not_covered");
  });

  it("finds a follow-up's subject in its conversation", async () => {
    const alone = await retriever.retrieve("And what do I put in?", { k: 3 });
    expect(alone.coverage).toBe("not_covered");
    const folded = await retriever.retrieve("And what do I put in?", { k: 3, history });
    expect(folded.results[0]?.source).toBe("manuals/kettle.md");
    expect(folded.results[0]?.text).toContain("citric acid");
    expect(folded.coverage).not.toBe("not_covered");
  });

  it("does not drag a question with its own subject back to the earlier one", async () => {
    const r = await retriever.retrieve("When is paper collected for recycling?", { k: 3, history });
    expect(r.results[0]?.source).toBe("recycling.md");
    const zh = await retriever.retrieve("逾期罰款多少？", { k: 3, history });
    expect(zh.results[0]?.source).toBe("圖書館規則.md");
  });
});
