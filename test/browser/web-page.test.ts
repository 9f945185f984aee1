import fs from "node:fs";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REWRITE_INSTRUCTION } from "../../src/answer/standalone-question.js";
import { type RunningService, startService } from "../helpers/app.js";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { type OllamaStandIn, startOllamaStandIn } from "../stand-in/ollama-stand-in.js";
import { chromiumMissing, launchChromium, SKIP_REASON } from "./chromium.js";

const ARTIFACTS = path.join(import.meta.dirname, "..", ".artifacts");

if (chromiumMissing) console.warn(SKIP_REASON);

/** The text of the first match, with runs of white space (from the HTML's line breaks) as one space. */
async function text(page: Page, selector: string): Promise<string> {
  const raw = await page.locator(selector).first().textContent();
  return (raw ?? "").replace(/\s+/g, " ").trim();
}

describe.skipIf(chromiumMissing)("the web page in headless Chromium", () => {
  let ollama: OllamaStandIn;
  let service: IndexedService;
  let locked: RunningService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    // Slow writes, so the answer arrives in visibly separate pieces.
    service = await startIndexedService({ standIn: { writeDelayMs: 15 } });
    ollama = service.ollama;
    locked = await startService({
      OLLAMA_HOST: ollama.url,
      GROUNDED_DB: path.join(service.dir, "locked.db"),
      GROUNDED_API_KEY: "s3cret-key",
    });
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
    page.on("dialog", (d) => void d.accept());
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await locked?.close();
    await service?.close();
  });

  it("serves the page to a browser and the Ollama text to an Ollama client at the same /", async () => {
    const ollamaProbe = await fetch(`${service.url}/`);
    expect(await ollamaProbe.text()).toBe("Ollama is running");
    await page.setViewportSize({ width: 1000, height: 900 });
    const res = await page.goto(service.url);
    expect(res?.headers()["content-type"]).toContain("text/html");
    await expect.poll(() => page.locator("#documents li").count()).toBe(4);
    expect(await text(page, "#documents")).toContain("圖書館規則.md");
    expect(await text(page, "#status")).toContain("4 documents");
  });

  it("streams an answer and opens a cited passage with its file and page", async () => {
    await page.fill("#question", "When should the tomato beds be watered?");
    await page.click("#ask-button");
    // While streaming: part of the answer is on screen and the cursor class is on.
    await page.waitForSelector("#answer.streaming", { timeout: 10_000 });
    await expect.poll(() => text(page, "#answer")).not.toBe("");
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    expect(await page.locator("#ask-error").isHidden()).toBe(true);
    const answer = await text(page, "#answer");
    expect(answer).toMatch(/tomato/i);

    const cite = page.locator("#answer button.cite").first();
    expect(await cite.count()).toBe(1);
    await cite.click();
    await page.waitForSelector("#passage:not([hidden])");
    expect(await text(page, "#passage-where")).toMatch(/greenhouse\.pdf, page 2/);
    expect(await text(page, "#passage-text")).toContain("tomato beds every morning");
    // The sentence was checked against its source: supported, and its supporting text is highlighted.
    expect(await page.locator("#answer .sentence.supported").count()).toBe(1);
    expect(await text(page, "#passage-text mark")).toContain("tomato beds every morning");
    expect(await text(page, "#citations")).toContain("greenhouse.pdf, page 2");
    await page.screenshot({ path: path.join(ARTIFACTS, "web-page.png"), fullPage: true });

    // The citation opens the evidence itself: the PDF, in a new tab, at the cited page.
    expect(await text(page, "#passage-open")).toBe("Open the PDF at page 2");
    const [tab] = await Promise.all([context.waitForEvent("page"), page.click("#passage-open")]);
    await expect
      .poll(() => tab.url(), { timeout: 10_000 })
      .toMatch(/^blob:http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+#page=2$/);
    await tab.close();
  });

  it("asks in Traditional Chinese and cites the Chinese file", async () => {
    await page.fill("#question", "借期是多久？");
    await page.click("#ask-button");
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    await page.locator("#answer button.cite").first().click();
    expect(await text(page, "#passage-where")).toContain("圖書館規則.md");
    expect(await text(page, "#passage-text")).toContain("二十八天");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(ARTIFACTS, "web-page-phone.png"), fullPage: true });
    // Nothing sticks out sideways on a phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1000, height: 900 });
  });

  it("sends the conversation with a follow-up, shows coverage, and starts over on New conversation", async () => {
    await page.click("#new-conversation").catch(() => {});
    await page.fill("#question", "How often should the kettle be descaled?");
    await page.click("#ask-button");
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    expect(await page.locator("#earlier").isHidden()).toBe(true);
    expect(await page.locator("#searched-for").isHidden()).toBe(true);
    // The stand-in's chat model cannot rewrite a follow-up; told what to reply, it stands in for one that can.
    ollama.reply = (messages) =>
      messages[0]?.content === REWRITE_INSTRUCTION
        ? "What happens if I do not descale the kettle?"
        : undefined;
    const followUp = page.waitForRequest((r) => r.url().endsWith("/api/ask"));
    await page.fill("#question", "And what happens if I do not?");
    await page.click("#ask-button");
    const body = JSON.parse((await followUp).postData() ?? "{}");
    expect(body.history).toEqual([
      { role: "user", content: "How often should the kettle be descaled?" },
      { role: "assistant", content: expect.any(String) },
    ]);
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    expect(await text(page, "#earlier")).toContain("Follow-up to 1 earlier question");
    expect(await text(page, "#searched-for")).toBe(
      "Searched for: What happens if I do not descale the kettle?",
    );
    ollama.reply = undefined;
    expect(await page.locator("#coverage").getAttribute("class")).toMatch(
      /^coverage (answered|partial|not_covered)$/,
    );
    await page.click("#new-conversation");
    expect(await page.locator("#earlier").isHidden()).toBe(true);
    const fresh = page.waitForRequest((r) => r.url().endsWith("/api/ask"));
    await page.fill("#question", "借期是多久？");
    await page.click("#ask-button");
    expect(JSON.parse((await fresh).postData() ?? "{}").history).toEqual([]);
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    expect(await page.locator("#searched-for").isHidden()).toBe(true);
  });

  it("marks a sentence its cited source does not say", async () => {
    const mixing = await startOllamaStandIn({ replyMode: "add-foreign" });
    const mixed = await startService({
      OLLAMA_HOST: mixing.url,
      GROUNDED_DB: path.join(service.dir, "index.db"),
    });
    try {
      const other = await context.newPage();
      await other.goto(mixed.url);
      await other.fill("#question", "When should the tomato beds be watered?");
      await other.click("#ask-button");
      await other.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
      expect(await other.locator("#answer .sentence.supported").count()).toBe(1);
      const flagged = other.locator("#answer .sentence.unsupported, #answer .sentence.weak");
      expect(await flagged.count()).toBe(1);
      expect(await flagged.first().getAttribute("title")).toMatch(/cited source/);
      await other.screenshot({ path: path.join(ARTIFACTS, "web-page-unsupported.png"), fullPage: true });
      await other.close();
    } finally {
      await mixed.close();
      await mixing.close();
    }
  });

  it("shows a cited Markdown passage formatted: headings without ## and the text as paragraphs", async () => {
    if (await page.locator("#new-conversation").isVisible()) await page.click("#new-conversation");
    await page.fill("#question", "How often should the kettle be descaled?");
    await page.click("#ask-button");
    await page.waitForSelector("#answer:not(.streaming)", { timeout: 20_000 });
    await page.locator("#answer button.cite").first().click();
    expect(await text(page, "#passage-where")).toContain("kettle.md");
    expect(await text(page, "#passage-text")).toContain("every four weeks");
    expect(await text(page, "#passage-text")).not.toContain("#");
    expect(await page.locator("#passage-text :is(h4, h5)").count()).toBeGreaterThan(0);
    expect(await text(page, "#passage-text p")).toContain("every four weeks");

    // The whole file, fetched from /api/documents/:id/file, with the cited passage marked and in view.
    expect(await text(page, "#passage-open")).toBe("Show the whole file");
    await page.click("#passage-open");
    await page.waitForSelector("#passage-text.whole-file mark");
    expect(await text(page, "#passage-where")).toContain("kettle.md, the whole file");
    expect(await text(page, "#passage-text")).toContain("Keep the receipt");
    // One <mark> per block the passage spans (its heading, its paragraph).
    expect((await page.locator("#passage-text mark").allTextContents()).join(" ")).toContain(
      "every four weeks",
    );
    expect(await text(page, "#passage-note")).toBe("The cited passage is marked.");
    expect(await page.locator("#passage-text mark").first().isVisible()).toBe(true);
  });

  it("renders Markdown by building nodes: bold, italics, lists, a marked span across them, markup as text", async () => {
    // A string, so the test runner does not rewrite the page's import().
    const shown = await page.evaluate(`(async () => {
      const { renderMarkdown } = await import("/web/markdown.js");
      const md = "## Descaling\\n\\nDescale **once a month** with *citric* acid.\\nRinse well.\\n\\n" +
        "- fill halfway\\n- boil \\\`once\\\`\\n\\n1. unplug\\n\\n<img src=x onerror=alert(1)> a_b_c";
      const start = md.indexOf("Descale ");
      const box = document.createElement("div");
      renderMarkdown(box, md, { start, end: md.indexOf("Rinse well.") + "Rinse well.".length });
      return box.innerHTML;
    })()`);
    expect(shown).toBe(
      "<h4>Descaling</h4>" +
        "<p><mark>Descale <strong>once a month</strong> with <em>citric</em> acid.\nRinse well.</mark></p>" +
        "<ul><li>fill halfway</li><li>boil <code>once</code></li></ul><ol><li>unplug</li></ol>" +
        "<p>&lt;img src=x onerror=alert(1)&gt; a_b_c</p>",
    );
  });

  it("uploads a file, shows a refused one in words, and removes documents down to the empty state", async () => {
    await page.setInputFiles("#upload-input", {
      name: "teapot.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# Teapot\n\nWarm the teapot with hot water first.\n"),
    });
    // The first upload starts the index writer's thread: seconds on a busy machine, not the default 1 s.
    await expect
      .poll(() => text(page, "#upload-status"), { timeout: 20_000 })
      .toMatch(/Indexed teapot\.md: \d+ chunk/);
    await expect.poll(() => page.locator("#documents li").count(), { timeout: 10_000 }).toBe(5);

    await page.setInputFiles("#upload-input", {
      name: "virus.exe",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("MZ"),
    });
    await expect
      .poll(() => text(page, "#docs-error"), { timeout: 10_000 })
      .toMatch(/virus\.exe was not added: .*not a type grounded can read/);

    while ((await page.locator("#documents li").count()) > 0) {
      const before = await page.locator("#documents li").count();
      await page.locator("#documents li button.danger").first().click();
      await expect.poll(() => page.locator("#documents li").count()).toBe(before - 1);
    }
    expect(await text(page, "#empty")).toContain(
      "No documents yet — upload one or run grounded ingest <folder>",
    );
    expect((await service.runtime.store.counts()).documents).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-page-empty.png"), fullPage: true });
  });

  it("asks for the API key when the server has one, and uses it once typed", async () => {
    const keyed = await context.newPage();
    await keyed.goto(locked.url);
    await keyed.waitForSelector("#key-form:not([hidden])");
    expect(await text(keyed, "#docs-error")).toContain("needs an API key");
    await keyed.fill("#key-input", "s3cret-key");
    await keyed.click("#key-form button[type=submit]");
    await keyed.waitForSelector("#empty:not([hidden])");
    expect(await keyed.locator("#docs-error").isHidden()).toBe(true);
    expect(await keyed.evaluate(() => localStorage.getItem("grounded.apiKey"))).toBe("s3cret-key");
    await keyed.close();
  });
});
