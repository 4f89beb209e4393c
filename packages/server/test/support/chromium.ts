/**
 * Headless Chromium for browser tests, driven by playwright-core. The browser is never
 * downloaded: `scripts/ensure-chromium.sh` finds or installs Debian's `chromium`, and
 * `scripts/test.sh` passes its path in `CHROMIUM_PATH`. Without it (a local run on a machine
 * that has none) the browser tests are skipped; CI refuses to run without one.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach } from "vitest";

export const chromiumPath = process.env.CHROMIUM_PATH || undefined;

/**
 * The flags known to work on these machines: no sandbox (tests run as root), no GPU, and no
 * background connections (the closed network refuses them). Playwright adds `--headless` and a
 * fresh temporary `--user-data-dir` of its own for every launch.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * One Chromium for the test file, launched on first use and closed in afterAll; each call to
 * `newPage()` opens a fresh context (no cookies, no storage), closed after the test.
 */
export function useChromium() {
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];

  afterEach(async () => {
    const open = contexts;
    contexts = [];
    await Promise.allSettled(open.map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  return {
    async newPage(): Promise<Page> {
      if (!chromiumPath) throw new Error("CHROMIUM_PATH is not set");
      browser ??= await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: CHROMIUM_ARGS,
      });
      const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
      context.setDefaultTimeout(15_000);
      contexts.push(context);
      return context.newPage();
    },
  };
}
