import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatAnswerTable } from "../cli/commands/eval.js";
import { evaluateAnswers, halfIndexQuestions } from "../cli/eval/answer-eval.js";
import { loadConfig } from "../src/config.js";
import { createBuiltinEmbedder } from "../src/embedding/builtin-embedder.js";
import { tempDir } from "./helpers/tmp.js";

// Eight short documents on unrelated subjects, one question each; the even half (a, c, e, g) is indexed.
const TOPICS: Array<[string, string, string, string]> = [
  [
    "a-kettle.md",
    "The kettle must be descaled every 40 boils with white vinegar.",
    "How often must the kettle be descaled?",
    "every 40 boils",
  ],
  [
    "b-volcano.md",
    "The Ardent volcano last erupted in 1872 and buried the valley of Morn.",
    "When did the Ardent volcano last erupt?",
    "1872",
  ],
  [
    "c-bicycle.md",
    "A bicycle chain should be oiled with a drop of light oil on each link.",
    "What should a bicycle chain be oiled with?",
    "light oil",
  ],
  [
    "d-orchid.md",
    "The moth orchid flowers twice a year when kept at eighteen degrees at night.",
    "How often does the moth orchid flower?",
    "twice a year",
  ],
  [
    "e-lighthouse.md",
    "The Carrow lighthouse keeper rang the fog bell every ninety seconds.",
    "How often did the Carrow lighthouse keeper ring the fog bell?",
    "ninety seconds",
  ],
  // Its answer stands in an indexed document (a-kettle.md): such a question is not counted as absent.
  [
    "f-vinegar.md",
    "Cleaning vinegar is sold in brown bottles at the market in Tolle.",
    "What does one descale a kettle with?",
    "white vinegar",
  ],
  [
    "g-glacier.md",
    "The Vesper glacier retreats about eleven metres each summer.",
    "How far does the Vesper glacier retreat each summer?",
    "eleven metres",
  ],
  [
    "h-comet.md",
    "The comet Halvard returns every 76 years and was first seen by monks in Ruel.",
    "Who first saw the comet Halvard from the Carrow lighthouse?",
    "monks in Ruel",
  ],
];

function writeSet(dir: string): string {
  const setDir = path.join(dir, "tiny-set");
  fs.mkdirSync(path.join(setDir, "docs"), { recursive: true });
  const lines: string[] = [];
  for (const [file, text, question, answer] of TOPICS) {
    const title = file.replace(/^\w-|\.md$/g, "");
    fs.writeFileSync(path.join(setDir, "docs", file), `# ${title}\n\n${text}\n`);
    lines.push(JSON.stringify({ id: file, question, answers: [answer], source: `docs/${file}`, page: null }));
  }
  fs.writeFileSync(path.join(setDir, "questions.jsonl"), `${lines.join("\n")}\n`);
  return setDir;
}

describe("grounded eval --answers on a half-indexed set", () => {
  const tmp = tempDir();

  it("asks the even half's questions as answerable and the odd half's as absent, less those answered by an indexed document", () => {
    const setDir = writeSet(tmp.dir);
    const { ingested, answerable, absent } = halfIndexQuestions(setDir);
    expect(ingested).toEqual(["a-kettle.md", "c-bicycle.md", "e-lighthouse.md", "g-glacier.md"]);
    expect(answerable.map((q) => q.id)).toEqual([
      "a-kettle.md",
      "c-bicycle.md",
      "e-lighthouse.md",
      "g-glacier.md",
    ]);
    expect(absent.map((q) => q.id)).toEqual(["b-volcano.md", "d-orchid.md", "h-comet.md"]);
  });

  it("splits what happens to absent-document questions into refused and partial, and prints both", async () => {
    const setDir = writeSet(tmp.dir);
    const config = loadConfig({
      GROUNDED_EMBED_MODEL: "builtin",
      GROUNDED_CHAT_MODEL: "none",
      GROUNDED_DB: path.join(tmp.dir, "unused.db"),
    } as NodeJS.ProcessEnv);
    const r = await evaluateAnswers(setDir, config, createBuiltinEmbedder(), null, () => {});
    expect(r).toMatchObject({ set: "tiny-set", mode: "extractive", answerable: 4, absent: 3 });
    // Every answerable question names its subject in words its one passage holds: none is refused.
    expect(r.falseRefusal).toBe(0);
    expect(r.citedFile).toBe(1);
    // Two absent questions share no subject with the index and are refused; the comet question shares the
    // Carrow lighthouse with an indexed document and goes on as partial (the chat model would be told so).
    expect(r.absentRefused).toBeCloseTo(2 / 3, 6);
    expect(r.absentPartial).toBeCloseTo(1 / 3, 6);
    const table = formatAnswerTable([r], []);
    expect(table).toContain("| absent refused | absent partial |");
    expect(table).toContain(
      `| tiny-set | extractive | 4 | 3 | 0.000 | ${r.partial.toFixed(3)} | ${r.absentRefused.toFixed(3)} | ${r.absentPartial.toFixed(3)} | 1.000 |`,
    );
  });
});
