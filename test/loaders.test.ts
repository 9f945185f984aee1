import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFile, readAhead, supportedExtensions } from "../ingest/loaders/index.js";
import { EmptyFileError, LoaderError } from "../src/errors.js";
import { encodeLegacy } from "./helpers/legacy-encode.js";
import { makeDocx } from "./helpers/make-docx.js";
import { makePdf } from "./helpers/make-pdf.js";

const MB = 1024 * 1024;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "grounded-loaders-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function loadError(file: string, maxBytes = MB): Promise<LoaderError> {
  const error = await loadFile(file, { maxBytes }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LoaderError);
  expect((error as LoaderError).file).toBe(file);
  return error as LoaderError;
}

describe("PDF", () => {
  it("gives one section per page with 1-based page numbers and cumulative offsets", async () => {
    const file = await write(
      "three.pdf",
      makePdf([["Alpha page one."], ["Beta page two.", "Second line."], ["Gamma page three."]], {
        title: "Trio",
      }),
    );
    const doc = await loadFile(file, { maxBytes: MB });
    expect(doc.format).toBe("pdf");
    expect(doc.title).toBe("Trio");
    expect(doc.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(doc.sections[1]?.text).toBe("Beta page two.\nSecond line.");
    const docText = doc.sections.map((s) => s.text).join("\n\n");
    for (const s of doc.sections) expect(docText.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
  });

  it("skips pages without text but keeps the others' page numbers", async () => {
    const file = await write("gap.pdf", makePdf([["First."], [], ["Third."]]));
    const doc = await loadFile(file, { maxBytes: MB });
    expect(doc.sections.map((s) => [s.page, s.text])).toEqual([
      [1, "First."],
      [3, "Third."],
    ]);
  });

  it("explains a PDF without a text layer", async () => {
    const error = await loadError(await write("scan.pdf", makePdf([[], []])));
    expect(error.message).toMatch(/has no text layer.*OCR.*ocrmypdf/);
  });

  it("explains a password-protected PDF", async () => {
    const error = await loadError(await write("locked.pdf", makePdf([["Secret."]], { encrypted: true })));
    expect(error.message).toMatch(/is password-protected; remove the password/);
  });

  it("explains a damaged PDF", async () => {
    const whole = makePdf([["Fine text."]]);
    const error = await loadError(await write("broken.pdf", whole.subarray(0, 60)));
    expect(error.message).toMatch(/is not a readable PDF \(damaged or not a PDF\)/);
    const notPdf = await loadError(await write("fake.pdf", "just some words, not a PDF"));
    expect(notPdf.message).toMatch(/is not a readable PDF/);
  });
});

describe("Markdown", () => {
  it("cuts sections at ATX and setext headings, not at # inside fenced code", async () => {
    const md = [
      "---",
      'title: "Front Title"',
      "tags: [a]",
      "---",
      "Preamble text.",
      "",
      "# Guide",
      "",
      "Intro.",
      "",
      "## Install",
      "",
      "```bash",
      "# this is a shell comment, not a heading",
      "npm install",
      "```",
      "",
      "Setext Heading",
      "--------------",
      "",
      "Under setext.",
      "",
      "### Deep **bold**",
      "",
      "Deep text.",
      "",
      "Top Again",
      "=========",
      "",
      "Last words.",
    ].join("\n");
    const doc = await loadFile(await write("guide.md", md), { maxBytes: MB });
    expect(doc.title).toBe("Front Title");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      [],
      ["Guide"],
      ["Guide", "Install"],
      ["Guide", "Setext Heading"],
      ["Guide", "Setext Heading", "Deep bold"],
      ["Top Again"],
    ]);
    expect(doc.sections[0]?.text).toBe("Preamble text.");
    expect(doc.sections[2]?.text).toContain("# this is a shell comment, not a heading");
    for (const s of doc.sections) expect(md.slice(s.offset, s.offset + s.text.length)).toBe(s.text);
  });

  it("takes the first H1 as title without front matter, and reads .MARKDOWN case-insensitively", async () => {
    const doc = await loadFile(await write("UPPER.MARKDOWN", "Some intro.\n\n# Real Title\n\nBody.\n"), {
      maxBytes: MB,
    });
    expect(doc.format).toBe("markdown");
    expect(doc.title).toBe("Real Title");
  });
});

describe("text decoding and normalisation", () => {
  it("decodes UTF-16 LE and BE with a BOM, and UTF-8 with a BOM", async () => {
    const text = "Tea at 80 °C. 借期二十一天。";
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le.subarray(2)).swap16();
    const files = [
      await write("le.txt", le),
      await write("be.txt", Buffer.concat([Buffer.from([0xfe, 0xff]), be])),
      await write("bom8.txt", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
    ];
    for (const file of files) {
      const doc = await loadFile(file, { maxBytes: MB });
      expect(doc.sections[0]?.text).toBe(text);
      expect(doc.title).toBeNull();
    }
  });

  it("normalises CRLF, NFC, zero-width characters and form feeds", async () => {
    const doc = await loadFile(await write("messy.txt", "Cafe\u0301 line\r\nsecond\u200b line\fthird"), {
      maxBytes: MB,
    });
    expect(doc.sections[0]?.text).toBe("Caf\u00e9 line\nsecond line\nthird");
  });

  it("reads legacy encodings with a note saying how: Windows-1252, Big5, GBK, and UTF-8 with a stray byte", async () => {
    const cases: Array<[string, Buffer, string, RegExp]> = [
      [
        "latin1.txt",
        Buffer.from("caf\xe9 cr\xe8me br\xfbl\xe9e, M\xfcller B\xfccher Gr\xf6\xdfe\n", "latin1"),
        "café crème brûlée, Müller Bücher Größe",
        /^not UTF-8, read as Windows-1252 \(Western European\); if any text looks wrong, save the file as UTF-8/,
      ],
      // Windows-1252 proper, not Latin-1: curly quotes, a dash and the euro sign.
      [
        "quotes.txt",
        Buffer.from([0x93, 0x48, 0x69, 0x94, 0x20, 0x96, 0x20, 0x80, 0x35]),
        "“Hi” – €5",
        /Windows-1252/,
      ],
      [
        "借閱.txt",
        encodeLegacy("圖書逾期歸還，每本每天罰款新台幣 5 元；視聽資料每件每天罰款 10 元。", "big5"),
        "圖書逾期歸還，每本每天罰款新台幣 5 元；視聽資料每件每天罰款 10 元。",
        /^not UTF-8, read as Big5 \(Traditional Chinese\)/,
      ],
      [
        "借阅.txt",
        encodeLegacy("图书逾期归还的，每本每天罚款五元；这是图书馆的规定。", "gbk"),
        "图书逾期归还的，每本每天罚款五元；这是图书馆的规定。",
        /^not UTF-8, read as GBK \(Simplified Chinese\)/,
      ],
      [
        "stray.md",
        Buffer.concat([Buffer.from("圖書逾期歸還，"), Buffer.from([0xff]), Buffer.from("每本每天罰款。")]),
        "圖書逾期歸還，\ufffd每本每天罰款。",
        /^not valid UTF-8 throughout: 1 unreadable byte shown as \ufffd/,
      ],
    ];
    for (const [name, bytes, text, note] of cases) {
      const doc = await loadFile(await write(name, bytes), { maxBytes: MB });
      expect(doc.sections.map((s) => s.text).join("\n")).toBe(text);
      expect(doc.note).toMatch(note);
    }
    const html = await loadFile(await write("legacy.html", Buffer.from("<p>Caf\xe9</p>", "latin1")), {
      maxBytes: MB,
    });
    expect(html.sections[0]?.text).toBe("Café");
    expect(html.note).toMatch(/Windows-1252/);
    // UTF-8 and UTF-16 need no note.
    expect((await loadFile(await write("fine.txt", "café 借閱"), { maxBytes: MB })).note).toBeUndefined();
  });

  it("refuses a binary file named .txt", async () => {
    const error = await loadError(
      await write("image.txt", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01])),
    );
    expect(error.message).toMatch(/looks like a binary file, not text/);
  });

  it("refuses empty and whitespace-only files as empty (ingest skips them)", async () => {
    const empty = await loadError(await write("empty.md", ""));
    expect(empty).toBeInstanceOf(EmptyFileError);
    expect(empty.message).toMatch(/is empty/);
    const blank = await loadError(await write("blank.txt", " \n\n \n"));
    expect(blank).toBeInstanceOf(EmptyFileError);
    expect(blank.message).toMatch(/is empty/);
  });
});

describe("Chinese look-alike code points", () => {
  // What a Traditional Chinese PDF printed with Noto CJK fonts puts in its text layer: Kangxi radicals
  // (⾦ U+2FA6 for 金, ⽉ 月, ⽇ 日, ⼈ 人, ⼊ 入, ⼾ 戶) and, in simplified text, CJK Radicals Supplement
  // forms (⻓ U+2ED3 for 长, ⻔ 门) that NFKC does not cover.
  const lookalike = "存⼊⾦額：每⽉ 5 ⽇前，本⼈⼾⼝。⻓期⻔市";
  const real = "存入金額：每月 5 日前，本人戶口。长期门市";

  it("a PDF whose font maps glyphs to radicals loads as the real characters, title and text", async () => {
    const file = await write("kangxi.pdf", makePdf([[lookalike]], { toUnicode: true, title: "⽉報" }));
    const doc = await loadFile(file, { maxBytes: MB });
    expect(doc.sections[0]?.text).toBe(real);
    expect(doc.title).toBe("月報");
  });

  it("every other loader does the same, headings included", async () => {
    const md = await loadFile(await write("k.md", `# ⾦融\n\n${lookalike}\n`), { maxBytes: MB });
    expect(md.title).toBe("金融");
    expect(md.sections.map((s) => [s.headingPath, s.text])).toEqual([[["金融"], `# 金融\n\n${real}`]]);
    const txt = await loadFile(await write("k.txt", lookalike), { maxBytes: MB });
    expect(txt.sections[0]?.text).toBe(real);
    const html = await loadFile(
      await write("k.html", `<title>⽉報</title><h1>⾦融</h1><p>${lookalike}</p>`),
      { maxBytes: MB },
    );
    expect(html.title).toBe("月報");
    expect(html.sections.map((s) => s.text).join("\n")).toContain(real);
    const docx = await loadFile(
      await write(
        "k.docx",
        makeDocx([
          ["Heading1", "⾦融"],
          ["", lookalike],
        ]),
      ),
      { maxBytes: MB },
    );
    expect(docx.sections.map((s) => [s.headingPath, s.text])).toEqual([[["金融"], `金融\n\n${real}`]]);
  });

  it("compatibility ideographs become unified ones; full-width letters, ligatures and superscripts stay as written", async () => {
    const doc = await loadFile(await write("compat.txt", "\uf900 \ufa10 ＡＢＣ１２３ ﬁle m² ，。"), {
      maxBytes: MB,
    });
    expect(doc.sections[0]?.text).toBe("豈 塚 ＡＢＣ１２３ ﬁle m² ，。");
  });
});

describe("file checks", () => {
  it("refuses a file over the size cap before reading it, naming the setting", async () => {
    const error = await loadError(await write("big.txt", "x".repeat(3000)), 1000);
    expect(error.message).toMatch(/larger than the .* limit; raise GROUNDED_MAX_FILE_MB/);
  });

  it("refuses an unsupported extension and lists the supported ones", async () => {
    const error = await loadError(await write("notes.rtf", "{\\rtf1 hi}"));
    expect(error.message).toMatch(/unsupported type "\.rtf"/);
    expect(error.message).toContain(".pdf");
    expect(supportedExtensions).toEqual(
      expect.arrayContaining([".pdf", ".md", ".markdown", ".txt", ".html", ".htm", ".docx"]),
    );
  });

  it.skipIf(process.platform === "win32" || process.getuid?.() === 0)(
    "explains a file it may not read",
    async () => {
      const { chmod } = await import("node:fs/promises");
      const file = await write("secret.txt", "hidden");
      await chmod(file, 0o000);
      expect((await loadError(file)).message).toMatch(/cannot be read \(permission denied\)/);
      await chmod(file, 0o600);
    },
  );

  it("explains a missing file", async () => {
    expect((await loadError(path.join(dir, "gone.txt"))).message).toMatch(/does not exist/);
  });

  it("reads small files ahead; leaves anything it would refuse to the checked read at the file's turn", async () => {
    const small = await write("ahead.txt", "read me early");
    expect((await readAhead(small, 1000))?.toString()).toBe("read me early");
    expect(await readAhead(await write("ahead-big.txt", "x".repeat(3000)), 1000)).toBeNull();
    expect(await readAhead(await write("ahead-empty.txt", ""), 1000)).toBeNull();
    expect(await readAhead(path.join(dir, "ahead-gone.txt"), 1000)).toBeNull();
    expect(await readAhead(dir, 1000)).toBeNull();
    // Past the synchronous read's 256 KB, a file is read through the promise API, the same bytes.
    const larger = "y".repeat(300 * 1024);
    expect((await readAhead(await write("ahead-larger.txt", larger), 1024 * 1024))?.toString()).toBe(larger);
    expect(await readAhead(await write("ahead-larger-refused.txt", larger), 290 * 1024)).toBeNull();
  });
});

describe("HTML", () => {
  it("strips scripts and styles, decodes entities, and cuts sections at headings", async () => {
    const html = `<!doctype html><html><head><title>Tea &amp; Kettles</title><style>h1{color:red}</style></head>
<body><script>var x = "<h1>not a heading</h1>";</script>
<h1>Kettle&nbsp;Care</h1><p>Boil &lt;1.7&gt; litres&#33; Caf&eacute; &#x4E2D;文.</p>
<h2>Descaling</h2><ul><li>Citric acid</li><li>Vinegar</li></ul><!-- hidden comment -->
<h2>Warranty</h2><p>Two<br>years.</p></body></html>`;
    const doc = await loadFile(await write("page.HTM", html), { maxBytes: MB });
    expect(doc.title).toBe("Tea & Kettles");
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      ["Kettle\u00a0Care"],
      ["Kettle\u00a0Care", "Descaling"],
      ["Kettle\u00a0Care", "Warranty"],
    ]);
    const all = doc.sections.map((s) => s.text).join("\n");
    expect(all).toContain("Boil <1.7> litres! Café 中文.");
    expect(all).toContain("- Citric acid\n- Vinegar");
    expect(all).toContain("Two\nyears.");
    expect(all).not.toMatch(/not a heading|color:red|hidden comment|var x/);
  });

  it("indexes a page's content, not its navigation and footer", async () => {
    const page = (
      content: string,
    ) => `<html><body><header><nav><a href="/">Home</a> <a href="/shop">Shop all kettles</a></nav></header>
${content}<footer><p>Copyright 2026 Kettle Corp. Privacy policy.</p></footer></body></html>`;
    const withMain = await loadFile(
      await write(
        "main.html",
        page("<main><h1>Descaling</h1><p>Use citric acid once a month.</p></main><aside>Sale!</aside>"),
      ),
      { maxBytes: MB },
    );
    const bare = await loadFile(
      await write(
        "bare.html",
        page("<h1>Descaling</h1><p>Use citric acid once a month.</p><aside>Sale!</aside>"),
      ),
      {
        maxBytes: MB,
      },
    );
    for (const doc of [withMain, bare]) {
      const all = doc.sections.map((s) => s.text).join("\n");
      expect(all).toContain("Use citric acid once a month.");
      expect(all).not.toMatch(/Shop all kettles|Copyright|Privacy|Sale!/);
    }
  });
});

describe("DOCX", () => {
  it("reads paragraphs and Heading styles from word/document.xml", async () => {
    const file = await write(
      "report.docx",
      makeDocx([
        ["Title", "Quarterly Report"],
        ["", "Opening words & thanks."],
        ["Heading1", "Sales"],
        ["", "Sales grew 12%."],
        ["Heading2", "Asia"],
        ["", "台北門市營收成長。"],
      ]),
    );
    const doc = await loadFile(file, { maxBytes: MB });
    expect(doc.format).toBe("docx");
    expect(doc.title).toBe("Quarterly Report");
    expect(doc.sections.map((s) => [s.headingPath, s.text])).toEqual([
      [["Quarterly Report"], "Quarterly Report\n\nOpening words & thanks."],
      [["Sales"], "Sales\n\nSales grew 12%."],
      [["Sales", "Asia"], "Asia\n\n台北門市營收成長。"],
    ]);
  });

  it("explains a damaged .docx", async () => {
    const error = await loadError(await write("bad.docx", "PK not really a zip"));
    expect(error.message).toMatch(/is not a readable Word document/);
  });
});

describe("sample documents", () => {
  const samples = path.join(import.meta.dirname, "..", "data", "samples");

  it("load with titles, headings and pages", async () => {
    const kettle = await loadFile(path.join(samples, "kettle-k2-guide.md"), { maxBytes: MB });
    expect(kettle.title).toBe("Kettle K2 User Guide");
    expect(kettle.sections.map((s) => s.headingPath.at(-1))).toEqual(
      expect.arrayContaining(["Descaling with citric acid", "Safety", "Warranty"]),
    );

    const library = await loadFile(path.join(samples, "library-borrowing-rules.zh-Hant.md"), {
      maxBytes: MB,
    });
    expect(library.title).toBe("青松社區圖書館借閱規則");
    const renew = library.sections.find((s) => s.headingPath.at(-1) === "續借");
    expect(renew?.text).toContain("每本圖書可續借 2 次");

    const note = await loadFile(path.join(samples, "wifi-and-printing-note.txt"), { maxBytes: MB });
    expect(note.sections[0]?.text).toContain("Riverside-Guest");

    const handbook = await loadFile(path.join(samples, "greenhouse-handbook.pdf"), { maxBytes: MB });
    expect(handbook.title).toBe("Greenhouse Handbook");
    expect(handbook.sections.map((s) => s.page)).toEqual([1, 2, 3]);
    expect(handbook.sections[1]?.text).toContain("2 litres per plant");
    expect(handbook.sections[2]?.text).toContain("Encarsia");
  });
});
