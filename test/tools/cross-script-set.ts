/**
 * Make a cross-script copy of an evaluation set: the same docs/ (linked, not copied) with every question
 * converted to the other Chinese script by OpenCC (opencc-js, phrase-level conversion), to measure how
 * grounded finds Simplified documents from Traditional questions and the other way round.
 *
 *   npx tsx test/tools/cross-script-set.ts ../shared/eval/cmrc-trial /tmp/xs/cmrc-trial-tw tw
 *   npx tsx test/tools/cross-script-set.ts ../shared/eval/drcd-dev /tmp/xs/drcd-dev-cn cn
 *   npm run eval -- /tmp/xs/cmrc-trial-tw /tmp/xs/drcd-dev-cn --mode lexical
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import * as OpenCC from "opencc-js";

export type Script = "tw" | "cn";

/** Write the converted set to `to` (created); returns how many questions it holds. */
export function writeCrossScriptSet(from: string, to: string, script: Script): number {
  const convert = OpenCC.Converter(script === "tw" ? { from: "cn", to: "tw" } : { from: "tw", to: "cn" });
  fs.mkdirSync(to, { recursive: true });
  const docs = path.join(to, "docs");
  if (!fs.existsSync(docs)) fs.symlinkSync(path.resolve(from, "docs"), docs, "junction");
  const lines = fs.readFileSync(path.join(from, "questions.jsonl"), "utf8").split("\n");
  const converted = lines
    .filter((l) => l.trim())
    .map((line) => {
      const q = JSON.parse(line) as { question: string };
      return JSON.stringify({ ...q, question: convert(q.question) });
    });
  fs.writeFileSync(path.join(to, "questions.jsonl"), `${converted.join("\n")}\n`);
  return converted.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [from, to, script] = process.argv.slice(2);
  if (!from || !to || (script !== "tw" && script !== "cn")) {
    console.error("usage: cross-script-set.ts <set-folder> <new-folder> tw|cn");
    process.exit(2);
  }
  const n = writeCrossScriptSet(from, to, script);
  console.log(`${n} questions → ${to} (${script === "tw" ? "Traditional" : "Simplified"})`);
}
