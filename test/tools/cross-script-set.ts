/**
 * Make a cross-script copy of an evaluation set: the same docs/ (linked, not copied) with every question
 * converted to the other Chinese script by OpenCC (opencc-js, phrase-level conversion), to measure how
 * grounded finds Simplified documents from Traditional questions and the other way round.
 *
 *   npx tsx test/tools/cross-script-set.ts ../shared/eval/cmrc-trial /tmp/cmrc-tw tw
 *   npx tsx test/tools/cross-script-set.ts ../shared/eval/drcd-dev /tmp/drcd-cn cn
 *   npm run eval -- /tmp/cmrc-tw /tmp/drcd-cn --mode lexical
 */
import fs from "node:fs";
import path from "node:path";
import * as OpenCC from "opencc-js";

const [from, to, script] = process.argv.slice(2);
if (!from || !to || (script !== "tw" && script !== "cn")) {
  console.error("usage: cross-script-set.ts <set-folder> <new-folder> tw|cn");
  process.exit(2);
}
const convert = OpenCC.Converter(script === "tw" ? { from: "cn", to: "tw" } : { from: "tw", to: "cn" });
fs.mkdirSync(to, { recursive: true });
const docs = path.join(to, "docs");
if (!fs.existsSync(docs)) fs.symlinkSync(path.resolve(from, "docs"), docs, "junction");
const lines = fs
  .readFileSync(path.join(from, "questions.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim());
const converted = lines.map((line) => {
  const q = JSON.parse(line) as { question: string };
  return JSON.stringify({ ...q, question: convert(q.question) });
});
fs.writeFileSync(path.join(to, "questions.jsonl"), `${converted.join("\n")}\n`);
console.log(`${converted.length} questions → ${to} (${script === "tw" ? "Traditional" : "Simplified"})`);
