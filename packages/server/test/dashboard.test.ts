// The dashboard (packages/web) as people use it: a real Tessera serving the built single-page
// app at /dashboard, driven in headless Chromium (playwright-core) by an administrator and
// users in separate browser contexts, every action through the REST API with the session cookie
// and X-CSRF-Token. The main journey starts at the sign-up page, with the verification mail read
// from a real SMTP sink. Each main page also passes an axe-core check (no serious or critical
// violations). The journey needs `npm run build -w @tessera/web` first (scripts/test.sh does it).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_DASHBOARD_DIR, dashboardRoutes } from "../src/http/routes/dashboard.js";
import { createBrowser } from "./support/browser.js";
import { chromiumPath, useChromium } from "./support/chromium.js";
import { dashboardPages } from "./support/dashboard-pages.js";
import { linkIn, type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const browserTest = test.skipIf(!chromiumPath);
const USER_PASSWORD = "alice's long passphrase";
const CAROL_PASSWORD = "carol's long passphrase";
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

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
  let sink: SmtpSink;
  const { signIn, open, check, status, watch } = dashboardPages(chromium, () => server.url);

  beforeAll(async () => {
    if (!chromiumPath) return;
    if (!DEFAULT_DASHBOARD_DIR || !existsSync(join(DEFAULT_DASHBOARD_DIR, "index.html")))
      throw new Error("the dashboard is not built: run `npm run build -w @tessera/web` first");
    const dir = mkdtempSync(join(tmpdir(), "tessera-dashboard-config-"));
    const config = join(dir, "tessera.yaml");
    // The provider is never contacted: the test only follows the dashboard to its link.
    writeFileSync(
      config,
      [
        "gateway:",
        "  groupScopes:",
        '    "/cms": ["read:cms"]',
        '    "/atlas": ["read:atlas", "write:atlas"]',
        "federation:",
        "  providers:",
        "    - id: institute",
        "      name: Example Institute",
        "      issuer: http://127.0.0.1:9",
        "      clientId: tessera",
        "      clientSecret: upstream-client-secret-0123456789",
        "",
      ].join("\n"),
    );
    sink = await startSmtpSink();
    server = await startTestServer({
      TESSERA_CONFIG: config,
      TESSERA_SMTP_URL: sink.url,
      TESSERA_MAIL_FROM: "Tessera test <iam@example.org>",
      TESSERA_ADMIN_EMAIL: "admin@example.org",
    });
    server.clock.set(Date.now());
  });
  afterAll(async () => {
    await server?.close();
    await sink?.close();
  });

  browserTest(
    "a new user signs up and is approved, joins a group and makes a token; the admin changes a policy",
    async () => {
      const admin = await signIn("admin", ADMIN_PASSWORD);
      const errors = watch(admin);
      await check(admin, "profile");

      // Someone asks for an account at /signup and confirms their email address.
      const applicant = await chromium.newPage();
      await applicant.goto(`${server.url}/signup`);
      await applicant.getByLabel("Username").fill("alice");
      await applicant.getByLabel("Full name").fill("Alice Liddell");
      await applicant.getByLabel("Email").fill("alice@example.org");
      await applicant
        .getByLabel("Notes to the administrators (optional)")
        .fill("CMS analysis, Oxford group.");
      await applicant.getByLabel("Password (at least 12 characters)").fill(USER_PASSWORD);
      await applicant.getByLabel("I accept the acceptable use policy").check();
      await applicant.getByRole("button", { name: "Ask for an account" }).click();
      await applicant.getByText("Check your email").first().waitFor();
      const mail = await sink.waitFor(
        (m) => m.to.includes("alice@example.org") && /confirm your email/i.test(m.subject),
      );
      await applicant.goto(linkIn(mail, `${server.url}/signup/verify?token=`));
      await applicant.getByText("Email confirmed").first().waitFor();

      // The administrator approves the registration in the dashboard.
      await open(admin, "Administration", "Administration: Registrations");
      await admin.getByRole("cell", { name: "CMS analysis, Oxford group." }).waitFor();
      await check(admin, "admin-registrations");
      await admin
        .getByRole("row")
        .filter({ hasText: "alice@example.org" })
        .getByRole("button", { name: "Approve" })
        .click();
      await status(admin, "Approved alice.");
      expect((await server.tessera.services.accounts.findByUsername("alice"))?.status).toBe("active");

      // Administrator: a group and a client.
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

      // The new user signs in and asks to join /cms.
      const alice = await signIn("alice", USER_PASSWORD);
      await alice.getByText("Alice Liddell").first().waitFor();
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

  browserTest(
    "a user edits a token, turns on two-step sign-in, ends sessions, takes back an app's access, reads the sign-in history",
    async () => {
      const services = server.tessera.services;
      const carol = await services.accounts.create({
        username: "carol",
        name: "Carol Shaw",
        email: "carol@example.org",
        password: CAROL_PASSWORD,
      });
      const atlas = await services.groups.create({ name: "/atlas", description: "ATLAS" });
      await services.groups.putMember(null, atlas.id, carol.id, {});
      const notebook = await services.clients.register({
        authMethod: "client_secret_basic",
        redirectUris: ["https://notebook.example.org/cb"],
        grantTypes: ["authorization_code"],
        scopes: ["openid", "email"],
        clientName: "Notebook Service",
      });
      await services.consents.remember(carol.id, notebook.client.clientId, ["openid", "email"]);
      expect((await createBrowser(server.url, FIREFOX).login("carol", "not carol's password")).status).toBe(
        401,
      );

      const page = await signIn("carol", CAROL_PASSWORD);
      const errors = watch(page);

      // Linking another identity leaves for the provider and comes back to the profile.
      expect(
        await page
          .getByRole("link", { name: "Link an identity from Example Institute" })
          .getAttribute("href"),
      ).toBe("/account/link/institute?rd=%2Fdashboard%2F");

      // A token with both /atlas scopes, then renamed, narrowed to read and given 7 days.
      await open(page, "Tokens", "Tokens");
      await page.getByRole("checkbox", { name: /read:atlas/ }).check();
      await page.getByRole("checkbox", { name: /write:atlas/ }).check();
      await page.getByLabel("Name", { exact: true }).fill("laptop");
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = await page.getByTestId("secret").inputValue();
      await page.getByRole("button", { name: "I have copied it" }).click();
      await page.getByRole("button", { name: "Edit laptop" }).click();
      const editor = page.getByRole("form", { name: "Edit laptop" });
      await editor.getByLabel("Token name").fill("analysis laptop");
      await editor.getByRole("checkbox", { name: "write:atlas" }).uncheck();
      await editor.getByLabel("Expiry").selectOption("7");
      await check(page, "tokens-edit");
      await editor.getByRole("button", { name: "Save changes" }).click();
      await status(page, "Saved analysis laptop.");
      const tokens = page.getByRole("region", { name: "Your tokens", exact: true });
      await tokens.getByRole("cell", { name: "analysis laptop", exact: true }).waitFor();
      const history = page.getByRole("region", { name: "Changes to your tokens, newest first" });
      await expect
        .poll(() => history.getByRole("row").nth(1).textContent())
        .toMatch(
          /edit.*name: laptop → analysis laptop; scopes: read:atlas write:atlas → read:atlas; expiry: .+ → /,
        );
      const [token] = await services.gateway.tokens.list({ accountId: carol.id, limit: 10 });
      expect(token).toMatchObject({ name: "analysis laptop", scopes: ["read:atlas"] });
      expect(token?.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);
      const gateway = (scope: string) =>
        fetch(`${server.url}/auth?scope=${scope}`, { headers: { authorization: `Bearer ${secret}` } });
      expect((await gateway("read:atlas")).status).toBe(200);
      expect((await gateway("write:atlas")).status).toBe(403);

      // Two-step sign-in: QR code and key, confirmed with a code; recovery codes once.
      await open(page, "Security", "Security");
      const setUp = page.getByRole("button", { name: "Set up an authenticator app" });
      await setUp.focus();
      await page.keyboard.press("Enter");
      const qr = page.getByRole("img", { name: "QR code to scan with your authenticator app" });
      await qr.waitFor();
      expect(await qr.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      const key = (await page.getByTestId("totp-secret").textContent()) ?? "";
      const code = () =>
        new TOTP({ secret: Secret.fromBase32(key) }).generate({ timestamp: server.clock.now() });
      await check(page, "security");
      // The keyboard is already in the code field.
      await page.keyboard.type(code());
      expect(await page.getByLabel("Code from the app").inputValue()).toHaveLength(6);
      await page.getByRole("button", { name: "Turn on" }).click();
      await status(page, "Two-step sign-in is on.");
      const recovery = page.getByTestId("recovery-codes").getByRole("listitem");
      const first = await recovery.allTextContents();
      expect(first.length).toBeGreaterThanOrEqual(8);
      expect((await services.totp.status(carol.id)).enabled).toBe(true);
      await page
        .getByTestId("totp-status")
        .filter({ hasText: `${first.length} recovery codes left` })
        .waitFor();

      // A code is good once: the next ones come from later 30-second steps.
      server.clock.advance(30_000);
      await page.getByLabel("Current code").fill(code());
      await page.getByRole("button", { name: "New recovery codes" }).click();
      await status(page, "New recovery codes made");
      await expect.poll(() => recovery.allTextContents()).not.toEqual(first);
      server.clock.advance(30_000);
      await page.getByLabel("Current code").fill(code());
      await page.getByRole("button", { name: "Turn off" }).click();
      await status(page, "Two-step sign-in is off.");
      expect((await services.totp.status(carol.id)).enabled).toBe(false);

      // Sessions: another browser appears, is signed out by name, then everywhere else.
      const other = createBrowser(server.url, FIREFOX);
      expect((await other.login("carol", CAROL_PASSWORD)).status).toBe(303);
      await page.reload();
      await page.getByRole("heading", { name: "Security" }).waitFor();
      const sessions = page.getByRole("region", { name: "Your browser sessions" });
      await sessions.getByText("this browser").waitFor();
      await sessions.getByRole("button", { name: /^Sign out Firefox on Linux/ }).click();
      await status(page, "Signed out Firefox on Linux.");
      const signedIn = async (b: typeof other) =>
        (await b.get("/api/v1/me", { accept: "application/json" })).status;
      expect(await signedIn(other)).toBe(401);
      const third = createBrowser(server.url, FIREFOX);
      await third.login("carol", CAROL_PASSWORD);
      await page.reload();
      await sessions.getByRole("button", { name: /^Sign out Firefox on Linux/ }).waitFor();
      await page.getByRole("button", { name: "Sign out everywhere else" }).click();
      await status(page, "Signed out everywhere else.");
      expect(await signedIn(third)).toBe(401);
      await expect.poll(() => sessions.getByRole("row").count()).toBe(2);

      // The application carol allowed, taken back.
      const apps = page.getByRole("region", { name: "Applications you allowed" });
      await apps.getByRole("cell", { name: "openid email" }).waitFor();
      await apps.getByRole("button", { name: "Take back access for Notebook Service" }).click();
      await status(page, "Notebook Service will ask again next time.");
      expect(await services.consents.find(carol.id, notebook.client.clientId)).toBeUndefined();

      // The sign-in history: the failed guess and each password sign-in, newest first.
      const signIns = page.getByRole("region", { name: "Sign-ins to your account, newest first" });
      await signIns.getByText("bad password").waitFor();
      expect(await signIns.getByRole("row").count()).toBe(1 + 4);
      expect(await signIns.getByRole("row").nth(1).textContent()).toMatch(
        /password.*success.*Firefox on Linux/,
      );
      await check(page, "security-history");

      // On a phone the page still works: the tables scroll, the forms stack.
      await page.setViewportSize({ width: 390, height: 800 });
      await page.getByRole("button", { name: "Set up an authenticator app" }).click();
      await page.getByRole("img", { name: "QR code to scan with your authenticator app" }).waitFor();
      await check(page, "security-phone");
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
