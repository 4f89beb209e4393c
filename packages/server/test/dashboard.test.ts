// The dashboard (packages/web) as people use it: a real Tessera serving the built single-page
// app at /dashboard, driven in headless Chromium (playwright-core) by an administrator and a
// user in separate browser contexts, every action through the REST API with the session cookie
// and X-CSRF-Token. Each main page also passes an axe-core check (no serious or critical
// violations). The journey needs `npm run build -w @tessera/web` first (scripts/test.sh does it).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Fastify from "fastify";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_DASHBOARD_DIR, dashboardRoutes } from "../src/http/routes/dashboard.js";
import { createBrowser } from "./support/browser.js";
import { chromiumPath, useChromium } from "./support/chromium.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const browserTest = test.skipIf(!chromiumPath);
const screenshotDir = process.env.TESSERA_SCREENSHOT_DIR
  ? resolve(process.env.TESSERA_SCREENSHOT_DIR)
  : undefined;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const USER_PASSWORD = "alice's long passphrase";

describe("serving the dashboard", () => {
  test("without a build, /dashboard answers 503 saying to run npm run build", async () => {
    const app = Fastify();
    dashboardRoutes(app, { dir: join(tmpdir(), "tessera-no-dashboard-here") });
    const reply = await app.inject("/dashboard/tokens");
    expect(reply.statusCode).toBe(503);
    expect(reply.body).toContain("npm run build");
    expect((await app.inject("/dashboard")).headers.location).toBe("/dashboard/");
  });

  test("files, client routes (index.html), missing assets and escapes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-dashboard-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(dir, "assets", "app-1.js"), "console.log(1)");
    writeFileSync(join(tmpdir(), "tessera-secret.txt"), "TOP-SECRET-CONTENT");
    const app = Fastify();
    dashboardRoutes(app, { dir });
    const asset = await app.inject("/dashboard/assets/app-1.js");
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["content-type"]).toContain("text/javascript");
    expect(asset.headers["cache-control"]).toContain("immutable");
    for (const route of ["/dashboard/", "/dashboard/tokens", "/dashboard/admin/users"]) {
      const page = await app.inject(route);
      expect(page.statusCode, route).toBe(200);
      expect(page.body).toContain("<title>app</title>");
      expect(page.headers["cache-control"]).toBe("no-cache");
    }
    expect((await app.inject("/dashboard/assets/gone.js")).statusCode).toBe(404);
    for (const path of ["/dashboard/../tessera-secret.txt", "/dashboard/%2e%2e/tessera-secret.txt"]) {
      const reply = await app.inject(path);
      expect(reply.body, path).not.toContain("TOP-SECRET-CONTENT");
    }
  });
});

describe("the dashboard API helper", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  test("GET /api/v1/me/csrf gives a session the token its changes must carry", async () => {
    const anonymous = await fetch(`${server.url}/api/v1/me/csrf`);
    expect(anonymous.status).toBe(401);
    const browser = createBrowser(server.url);
    expect((await browser.login("admin", ADMIN_PASSWORD)).status).toBe(303);
    const answer = await browser.get("/api/v1/me/csrf", { accept: "application/json" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const { csrf_token } = (await answer.json()) as { csrf_token: string };
    const rotate = (headers: Record<string, string>) =>
      browser.request("/api/v1/keys/rotate", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: "{}",
      });
    expect((await rotate({})).status).toBe(403);
    expect((await rotate({ "x-csrf-token": csrf_token })).status).toBe(201);
  });
});

describe("the dashboard in a browser", () => {
  const chromium = useChromium();
  let server: TestServer;

  beforeAll(async () => {
    if (!chromiumPath) return;
    if (!existsSync(join(DEFAULT_DASHBOARD_DIR, "index.html")))
      throw new Error("the dashboard is not built: run `npm run build -w @tessera/web` first");
    const dir = mkdtempSync(join(tmpdir(), "tessera-dashboard-config-"));
    const config = join(dir, "tessera.yaml");
    writeFileSync(config, 'gateway:\n  groupScopes:\n    "/cms": ["read:cms"]\n');
    server = await startTestServer({ TESSERA_CONFIG: config });
    server.clock.set(Date.now());
    await server.tessera.services.accounts.create({
      username: "alice",
      name: "Alice Liddell",
      email: "alice@example.org",
      password: USER_PASSWORD,
    });
  });
  afterAll(async () => server?.close());

  async function signIn(username: string, password: string): Promise<Page> {
    const page = await chromium.newPage();
    await page.goto(`${server.url}/dashboard/`);
    await page.waitForURL((u) => u.pathname === "/login");
    await page.getByLabel("Username").fill(username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === "/dashboard/");
    await page.getByRole("heading", { name: "Your profile" }).waitFor();
    return page;
  }

  async function open(page: Page, link: string, heading: string, nav = "Dashboard") {
    await page.getByRole("navigation", { name: nav }).getByRole("link", { name: link, exact: true }).click();
    await page.getByRole("heading", { name: heading }).first().waitFor();
  }

  /** axe-core on the page as it is (no serious or critical violations), and a screenshot. */
  async function check(page: Page, name: string) {
    // CDP evaluation is not subject to the page's CSP (an injected <script> would be).
    await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
      const result = await axe.run();
      return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map(
        (v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }),
      );
    });
    const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad, `${name}: ${JSON.stringify(bad)}`).toEqual([]);
    if (screenshotDir) {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `dashboard-${name}.png`), fullPage: true });
    }
  }

  const status = (page: Page, text: string | RegExp) =>
    page.getByRole("status").filter({ hasText: text }).first().waitFor();

  browserTest(
    "admin sets up, a user joins a group and makes a token, the admin changes a policy",
    async () => {
      const errors: string[] = [];
      const admin = await signIn("admin", ADMIN_PASSWORD);
      // CSP refusals and uncaught errors (an expected API 404, like "no AUP yet", is not one).
      admin.on("console", (m) => /Content.Security.Policy/i.test(m.text()) && errors.push(m.text()));
      admin.on("pageerror", (e) => errors.push(e.message));
      await check(admin, "profile");

      // Administrator: a group and a client.
      await open(admin, "Administration", "Administration: Registrations");
      await check(admin, "admin-registrations");
      await open(admin, "Groups", "Administration: Groups", "Administration");
      await admin.getByLabel("Group name").fill("/cms");
      await admin.getByLabel("Description").fill("CMS collaboration");
      await admin.getByRole("button", { name: "Create group" }).click();
      await status(admin, "Created /cms.");
      await expect.poll(() => admin.getByRole("cell", { name: "/cms", exact: true }).count()).toBe(1);
      await check(admin, "admin-groups");

      await open(admin, "Clients", "Administration: Clients", "Administration");
      await admin.getByLabel("Client name").fill("Analysis Portal");
      await admin.getByLabel("Redirect URIs").fill("https://portal.example.org/cb");
      await admin.getByRole("button", { name: "Register client" }).click();
      await status(admin, "Registered Analysis Portal.");
      expect((await admin.getByTestId("secret").inputValue()).length).toBeGreaterThan(20);
      await check(admin, "admin-clients");
      for (const [tab, heading, name] of [
        ["Users", "Administration: Users", "admin-users"],
        ["Signing keys", "Administration: Signing keys", "admin-keys"],
        ["Audit log", "Administration: Audit log", "admin-audit"],
        ["Acceptable use policy", "Administration: Acceptable use policy", "admin-aup"],
      ] as const) {
        await open(admin, tab, heading, "Administration");
        await check(admin, name);
      }

      // The user asks to join /cms.
      const alice = await signIn("alice", USER_PASSWORD);
      await open(alice, "Groups", "Groups");
      await alice.getByLabel("Motivation").fill("I analyse CMS data.");
      await alice.getByRole("button", { name: "Request membership" }).click();
      await status(alice, "Your request was sent");
      await alice.getByRole("cell", { name: "pending", exact: true }).waitFor();
      await check(alice, "groups");

      // The administrator approves it.
      await open(admin, "Requests to decide", "Requests to decide");
      await admin.getByRole("cell", { name: "I analyse CMS data." }).waitFor();
      await admin.getByLabel("Reason").fill("welcome");
      await check(admin, "manager");
      await admin.getByRole("button", { name: "Approve" }).click();
      await status(admin, "Approved the request for /cms.");

      // The user makes a token with the group's gateway scope and uses it at the gateway.
      await alice.reload();
      await open(alice, "Tokens", "Tokens");
      await alice.getByRole("checkbox", { name: /read:cms/ }).check();
      await alice.getByLabel("Name", { exact: true }).fill("laptop");
      await alice.getByRole("button", { name: "Create token" }).click();
      const secret = await alice.getByTestId("secret").inputValue();
      expect(secret).toMatch(/^tsr_/);
      await alice
        .getByRole("region", { name: "Your tokens", exact: true })
        .getByRole("cell", { name: "laptop", exact: true })
        .waitFor();
      await check(alice, "tokens");
      const gateway = await fetch(`${server.url}/auth?scope=read:cms`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      expect(gateway.status).toBe(200);
      expect(gateway.headers.get("x-auth-request-user")).toBe("alice");

      // The administrator asks why alice may have storage.read:/cms, then denies it.
      await open(admin, "Administration", "Administration: Registrations");
      await open(admin, "Scope policies", "Administration: Scope policies", "Administration");
      const explain = async () => {
        await admin.getByLabel("Account (username or id)").fill("alice");
        await admin.getByLabel("Scopes to explain").fill("storage.read:/cms");
        await admin.getByRole("button", { name: "Explain" }).click();
      };
      await explain();
      await expect
        .poll(() => admin.getByTestId("decision").textContent())
        .toMatch(/storage\.read:\/cms\s*permitted/);
      await admin.getByLabel("Rule").selectOption("deny");
      await admin.getByLabel("Policy scopes").fill("storage.read:/cms");
      await admin.getByLabel("Description", { exact: true }).fill("no CMS storage for now");
      await admin.getByRole("button", { name: "Create policy" }).click();
      await status(admin, "Policy created.");
      await explain();
      await expect
        .poll(() => admin.getByTestId("decision").textContent())
        .toMatch(/storage\.read:\/cms\s*denied/);
      await check(admin, "admin-policies");

      // The profile on a phone.
      await alice.setViewportSize({ width: 390, height: 800 });
      await open(alice, "Profile", "Your profile");
      await check(alice, "phone");
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
