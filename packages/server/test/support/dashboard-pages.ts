/**
 * Driving the dashboard in Chromium, for dashboard.test.ts and dashboard-admin.test.ts: signing
 * in, the navigation, status lines, and the axe-core check that also saves a screenshot (into
 * TESSERA_SCREENSHOT_DIR when set; docs/dashboard.md shows them).
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { useChromium } from "./chromium.js";

const screenshotDir = process.env.TESSERA_SCREENSHOT_DIR
  ? resolve(process.env.TESSERA_SCREENSHOT_DIR)
  : undefined;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** `baseUrl` is read at each sign-in: the server starts in beforeAll. */
export function dashboardPages(chromium: ReturnType<typeof useChromium>, baseUrl: () => string) {
  return {
    async signIn(username: string, password: string): Promise<Page> {
      const page = await chromium.newPage();
      await page.goto(`${baseUrl()}/dashboard/`);
      await page.waitForURL((u) => u.pathname === "/login");
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((u) => u.pathname === "/dashboard/");
      await page.getByRole("heading", { name: "Your profile" }).waitFor();
      return page;
    },

    async open(page: Page, link: string, heading: string, nav = "Dashboard") {
      await page
        .getByRole("navigation", { name: nav })
        .getByRole("link", { name: link, exact: true })
        .click();
      await page.getByRole("heading", { name: heading }).first().waitFor();
    },

    /** axe-core on the page as it is (no serious or critical violations), and a screenshot. */
    async check(page: Page, name: string) {
      // CDP evaluation is not subject to the page's CSP (an injected <script> would be).
      await page.evaluate(axeSource);
      const violations = await page.evaluate(async () => {
        const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
        const result = await axe.run();
        return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map(
          (v) => ({
            id: v.id,
            impact: v.impact,
            targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 3),
          }),
        );
      });
      const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad, `${name}: ${JSON.stringify(bad)}`).toEqual([]);
      if (screenshotDir) {
        mkdirSync(screenshotDir, { recursive: true });
        await page.screenshot({ path: join(screenshotDir, `dashboard-${name}.png`), fullPage: true });
      }
    },

    status: (page: Page, text: string | RegExp) =>
      page.getByRole("status").filter({ hasText: text }).first().waitFor(),

    /**
     * Collects CSP refusals and uncaught errors of a page into `errors`, from now on (an expected
     * API 404, like "no AUP yet", is not one).
     */
    watch(page: Page, errors: string[] = []): string[] {
      page.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && errors.push(m.text()));
      page.on("pageerror", (e) => errors.push(e.message));
      return errors;
    },
  };
}
