import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IndexedService, startIndexedService } from "../helpers/indexed-service.js";
import { chromiumMissing, launchChromium, SKIP_REASON } from "./chromium.js";

if (chromiumMissing) console.warn(SKIP_REASON);

/**
 * What another web site's page can do to grounded from a real browser (issue 15). Chromium is told that
 * rebind.example resolves to 127.0.0.1, as a DNS-rebinding attacker would arrange, and its Local Network
 * Access checks are off, so the server's own checks are what is tested (other browsers lack them).
 */
describe.skipIf(chromiumMissing)("another site's page in headless Chromium", () => {
  let service: IndexedService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let port: number;

  beforeAll(async () => {
    service = await startIndexedService();
    port = Number(new URL(service.url).port);
    browser = await launchChromium([
      "--host-resolver-rules=MAP rebind.example 127.0.0.1",
      "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,BlockInsecurePrivateNetworkRequests",
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  /** A page at http://attacker.example/ (served by Playwright, not the network). */
  async function attackerPage(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.route("http://attacker.example/**", (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>attacker</title>" }),
    );
    await page.goto("http://attacker.example/");
    return page;
  }

  it("a page on a rebound name gets 403 for the web page and the API, and no document text", async () => {
    const page = await browser.context.newPage();
    const res = await page.goto(`http://rebind.example:${port}/`);
    expect(res?.status()).toBe(403);
    expect(await page.content()).toContain("forbidden_host");
    // Same-origin for the browser, so the script could read the answer if there were one.
    const list = await page.evaluate(async () => {
      const r = await fetch("/api/documents");
      return { status: r.status, text: await r.text() };
    });
    expect(list.status).toBe(403);
    expect(list.text).not.toContain("kettle.md");
    await page.close();
  });

  it("a cross-site multipart post (a simple request, no preflight) is refused and adds nothing", async () => {
    const page = await attackerPage();
    const before = (await service.runtime.store.counts()).documents;
    const target = `${service.url}/api/documents`;
    const response = page.waitForResponse(target);
    await page.evaluate(async (url) => {
      const form = new FormData();
      form.append("file", new Blob(["# Planted\n\nNever descale the kettle.\n"]), "planted.md");
      await fetch(url, { method: "POST", mode: "no-cors", body: form });
    }, target);
    // Origin: http://attacker.example. 403 comes only from the Origin check (no API key); without it, 201.
    expect((await response).status()).toBe(403);
    expect((await service.runtime.store.counts()).documents).toBe(before);
    await page.close();
  });

  it("an upload from a page with an opaque origin (Origin: null: a data: URL, a sandboxed frame) is refused", async () => {
    const page = await browser.context.newPage();
    await page.goto("data:text/html,<title>opaque</title>");
    const before = (await service.runtime.store.counts()).documents;
    const target = `${service.url}/api/documents`;
    const response = page.waitForResponse(target);
    await page.evaluate(async (url) => {
      const form = new FormData();
      form.append("file", new Blob(["# Planted\n\nNever descale the kettle.\n"]), "planted.md");
      await fetch(url, { method: "POST", mode: "no-cors", body: form });
    }, target);
    // Chromium's record of this request omits the Origin header; the server sees `null`.
    expect((await response).status()).toBe(403);
    expect((await service.runtime.store.counts()).documents).toBe(before);
    await page.close();
  });
});
