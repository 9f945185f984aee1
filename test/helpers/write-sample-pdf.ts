/** Writes data/samples/greenhouse-handbook.pdf. Run once with `npx tsx test/helpers/write-sample-pdf.ts`. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makePdf } from "./make-pdf.js";

const pages: string[][] = [
  [
    "Greenhouse Handbook",
    "",
    "Welcome to the Hillside Allotment greenhouse. This handbook covers the",
    "three things volunteers ask about most: opening and closing, watering,",
    "and pests. Each topic has its own page.",
    "",
    "Opening and closing",
    "The greenhouse opens at 7:30 and the last volunteer closes it at 19:00.",
    "The roof vents open automatically when the air inside reaches 26 degrees C.",
    "On frosty nights (below 2 degrees C) switch on the paraffin heater by the door.",
  ],
  [
    "Watering",
    "",
    "Water in the early morning, before 9:00, so leaves dry before the midday sun.",
    "Tomatoes need about 2 litres per plant every day in July and August.",
    "Seedlings in trays are watered from below: fill the capillary matting tray",
    "to a depth of 1 centimetre and let the compost soak it up for 20 minutes.",
    "Push a finger into the soil: if the top 2 centimetres are dry, water again.",
    "The rainwater butt holds 200 litres; use it first and tap water only after.",
  ],
  [
    "Pests",
    "",
    "Check the undersides of leaves every Saturday for whitefly and aphids.",
    "Yellow sticky traps hang above the tomato rows; replace them every 4 weeks.",
    "Against whitefly we release Encarsia wasps in May, about 5 per square metre.",
    "Slugs are picked off by hand in the evening; we never use slug pellets,",
    "because the allotment keeps hedgehogs.",
    "Report any red spider mite to the greenhouse lead, Tomas, the same day.",
  ],
];

const target = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "data",
  "samples",
  "greenhouse-handbook.pdf",
);
writeFileSync(target, makePdf(pages, { title: "Greenhouse Handbook" }));
console.log(`wrote ${target}`);
