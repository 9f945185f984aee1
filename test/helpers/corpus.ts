import fs from "node:fs";
import path from "node:path";
import { makePdf } from "./make-pdf.js";

/**
 * A small corpus with facts that tests can ask about and whose answers sit in known files and pages:
 * English Markdown, Traditional Chinese Markdown, plain text and a three-page PDF.
 */
export function writeCorpus(dir: string): void {
  fs.mkdirSync(path.join(dir, "manuals"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "manuals", "kettle.md"),
    [
      "# Kettle K2 manual",
      "",
      "## Descaling",
      "",
      "Descale the kettle every four weeks with citric acid. Fill it halfway, add two spoons of citric acid and boil once.",
      "",
      "## Warranty",
      "",
      "The warranty lasts 24 months from the date of purchase. Keep the receipt.",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(dir, "圖書館規則.md"),
    [
      "# 社區圖書館借閱規則",
      "",
      "## 借期",
      "",
      "每位讀者最多可借十本書，借期為二十八天。可以續借一次。",
      "",
      "## 逾期",
      "",
      "逾期未還的圖書，每本每日罰款五元。",
      "",
    ].join("\n"),
  );
  fs.writeFileSync(
    path.join(dir, "notes.txt"),
    "Team notes.\n\nThe office printer on floor three needs toner model TX-500.\n",
  );
  fs.writeFileSync(
    path.join(dir, "greenhouse.pdf"),
    makePdf([
      ["Greenhouse Handbook", "Welcome to the community greenhouse."],
      [
        "Watering",
        "Water the tomato beds every morning before nine.",
        "Use rainwater from the blue barrels.",
      ],
      ["Pests", "Aphids on the peppers are removed with soapy water.", "Ladybirds are released in May."],
    ]),
  );
}
