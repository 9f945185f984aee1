import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

/** Debian's chromium package (GROUNDED_TEST_CHROMIUM names another); tests never download a browser. */
const CHROMIUM = process.env.GROUNDED_TEST_CHROMIUM ?? "/usr/bin/chromium";

export const chromiumMissing = !fs.existsSync(CHROMIUM);
export const SKIP_REASON = `${CHROMIUM} not found: browser tests skipped (apt-get install chromium to run them)`;

/** Headless Chromium with a fresh profile, removed again by `close`; `extraArgs` are more command-line switches. */
export async function launchChromium(
  extraArgs: string[] = [],
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "grounded-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
