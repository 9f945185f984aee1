import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkIndex } from "../src/store/check.js";
import { openStore } from "../src/store/store.js";
import { hasLookalikes, UNIFIED_UNIT, unifyLookalikes } from "../src/text/lookalikes.js";
import { extractTerms } from "../src/text/terms.js";
import { cli } from "./helpers/app.js";
import { makePdf } from "./helpers/make-pdf.js";
import { tempDir } from "./helpers/tmp.js";
import { type OllamaStandIn, startOllamaStandIn } from "./stand-in/ollama-stand-in.js";

const LOOKALIKE = "存⼊⾦額：每⽉ 5 ⽇前，本⼈⼾⼝。⻓期⻔市";
const REAL = "存入金額：每月 5 日前，本人戶口。长期门市";

describe("the look-alike table", () => {
  it("maps all 214 Kangxi radicals and the whole-character radical supplement forms, one unit for one", () => {
    let kangxi = 0;
    for (let unit = 0x2f00; unit <= 0x2fd5; unit++) if (UNIFIED_UNIT[unit]) kangxi++;
    expect(kangxi).toBe(214);
    for (let unit = 0; unit < 0x10000; unit++) {
      const to = UNIFIED_UNIT[unit] as number;
      if (to === 0) continue;
      expect(unit >= 0x2e80 && unit <= 0x2fdf).toBe(true);
      expect(to >= 0x4e00 && to <= 0x9fff).toBe(true); // a unified ideograph, in the BMP
    }
    expect(unifyLookalikes(LOOKALIKE)).toBe(REAL);
    expect(unifyLookalikes(LOOKALIKE)).toHaveLength(LOOKALIKE.length);
    // Forms that only occur inside other characters stay as they are.
    expect(unifyLookalikes("⺅⺡⺾")).toBe("⺅⺡⺾");
    expect(hasLookalikes("⺅⺡⺾ plain text 金")).toBe(false);
    expect(hasLookalikes("⾦")).toBe(true);
  });

  it("search reads look-alikes as their characters, radical supplement forms included", () => {
    expect(extractTerms("⾦額⻓期")).toEqual(extractTerms("金額长期"));
  });
});

describe("ingest stores, shows and sends the real characters", () => {
  let ollama: OllamaStandIn;
  let tmp: ReturnType<typeof tempDir>;
  let docs: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    ollama = await startOllamaStandIn();
  });
  afterAll(async () => {
    await ollama.close();
  });
  beforeEach((context) => {
    ollama.reset();
    tmp = tempDir();
    docs = path.join(tmp.dir, "docs");
    fs.mkdirSync(docs);
    env = { OLLAMA_HOST: ollama.url, GROUNDED_DB: path.join(tmp.dir, "index.db") };
    context.onTestFinished(() => tmp.cleanup());
  });

  const sentToOllama = () =>
    ollama
      .requestsTo("/api/embed")
      .flatMap((r) => (r.body as { input: string[] }).input)
      .join("\n");

  it("a Noto-style PDF and a note with radicals: stored text, search results and embedded text are real", async () => {
    fs.writeFileSync(path.join(docs, "存款.pdf"), makePdf([[LOOKALIKE]], { toUnicode: true, title: "⽉報" }));
    fs.writeFileSync(path.join(docs, "note.md"), `# ⾦融\n\n${LOOKALIKE}\n`);
    expect((await cli(["ingest", docs], env)).code).toBe(0);

    const sent = sentToOllama();
    expect(sent).toContain(REAL);
    expect(hasLookalikes(sent)).toBe(false);
    const store = openStore(env.GROUNDED_DB as string);
    try {
      const stored = store.db
        .prepare("SELECT text || ' ' || coalesce(heading, '') FROM chunks")
        .pluck()
        .all();
      expect(stored).toHaveLength(2);
      for (const t of stored as string[]) expect(t).toContain(REAL);
      expect(stored.some((t) => hasLookalikes(t as string))).toBe(false);
      expect((await store.listDocuments()).map((d) => d.title).sort()).toEqual(["月報", "金融"].sort());
    } finally {
      await store.close();
    }

    const r = await cli(["search", "金額 长期", "--json"], env);
    expect(r.code).toBe(0);
    const results = (JSON.parse(r.stdout) as { results: Array<{ source: string; text: string }> }).results;
    expect(results.map((x) => x.source).sort()).toEqual(["note.md", "存款.pdf"]);
    for (const x of results) expect(x.text).toContain(REAL);
  });

  it("an Ollama-built index from before: migration 3 fixes the text and the next ingest re-embeds those documents", async () => {
    fs.writeFileSync(path.join(docs, "存款.pdf"), makePdf([[LOOKALIKE]], { toUnicode: true }));
    fs.writeFileSync(path.join(docs, "plain.md"), "# Kettle\n\nDescale monthly.\n");
    expect((await cli(["ingest", docs], env)).code).toBe(0);
    // Turn it into what the old loaders stored: the PDF's chunk in look-alikes, schema 2.
    const old = openStore(env.GROUNDED_DB as string);
    const before = old.db
      .prepare("SELECT id, start_offset AS start, end_offset AS end FROM chunks WHERE text = ?")
      .get(REAL) as { id: number; start: number; end: number };
    old.db.prepare("UPDATE chunks SET text = ? WHERE id = ?").run(LOOKALIKE, before.id);
    old.db.pragma("user_version = 2");
    old.close();

    ollama.reset();
    const r = await cli(["ingest", docs], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("look-alike Chinese characters");
    expect(r.stderr).toContain(
      "Fixed look-alike characters in 1 document(s); they are embedded again the next time their folders are ingested.",
    );
    // This very run is such an ingest: the PDF is re-embedded, the other file is untouched.
    expect(r.stdout).toMatch(/Done: 0 added, 1 updated, 1 unchanged/);
    expect(sentToOllama()).toContain(REAL);
    const store = openStore(env.GROUNDED_DB as string);
    try {
      const after = store.db
        .prepare("SELECT start_offset AS start, end_offset AS end FROM chunks WHERE text = ?")
        .get(REAL);
      expect(after).toEqual({ start: before.start, end: before.end });
      expect((await store.listDocuments()).every((d) => !d.hash.startsWith("stale:"))).toBe(true);
      expect(checkIndex(store.db)).toEqual([]);
    } finally {
      await store.close();
    }
    expect((await cli(["ingest", docs], env)).stdout).toMatch(/Done: 0 added, 0 updated, 2 unchanged/);
  });
});
