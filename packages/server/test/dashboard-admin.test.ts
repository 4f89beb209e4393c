// The administrator's and group manager's side of the dashboard (packages/web) in headless
// Chromium (playwright-core), against a real Tessera serving the built app: moving groups,
// group settings and managers, a manager deciding by name and handling end dates, editing and
// rotating clients, users' groups, and service tokens. Every change is checked where it matters
// (the API, /authorize, /token, /auth), and each page passes axe-core (no serious or critical
// violations). Needs `npm run build -w @tessera/web` first (scripts/test.sh does it).
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_DASHBOARD_DIR } from "../src/http/routes/dashboard.js";
import { chromiumPath, useChromium } from "./support/chromium.js";
import { dashboardPages } from "./support/dashboard-pages.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const browserTest = test.skipIf(!chromiumPath);
const PASSWORD = "a long enough passphrase";
const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";

describe("the dashboard for administrators and group managers", () => {
  const chromium = useChromium();
  let server: TestServer;
  const { signIn, open, check, status, watch } = dashboardPages(chromium, () => server.url);
  const people: Record<string, string> = {};

  beforeAll(async () => {
    if (!chromiumPath) return;
    if (!DEFAULT_DASHBOARD_DIR || !existsSync(join(DEFAULT_DASHBOARD_DIR, "index.html")))
      throw new Error("the dashboard is not built: run `npm run build -w @tessera/web` first");
    const dir = mkdtempSync(join(tmpdir(), "tessera-dashboard-admin-"));
    const config = join(dir, "tessera.yaml");
    writeFileSync(config, 'gateway:\n  groupScopes:\n    "/cms": ["read:cms"]\n');
    server = await startTestServer({ TESSERA_CONFIG: config, TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
    server.clock.set(Date.now());
    for (const [username, name] of [
      ["maria", "Maria Goeppert"],
      ["bob", "Bob Builder"],
    ] as const) {
      const account = await server.tessera.services.accounts.create({
        username,
        name,
        email: `${username}@example.org`,
        password: PASSWORD,
      });
      people[username] = account.id;
    }
    // Every test may use these two; each creates whatever else it needs.
    await server.tessera.services.groups.create({ name: "/cms" });
    await server.tessera.services.groups.create({ name: "/atlas" });
  });
  afterAll(async () => server?.close());

  const api = restApi(() => server.url, BOOTSTRAP);

  async function openAdmin(page: Page, tab: string) {
    await open(page, "Administration", "Administration: Registrations");
    await open(page, tab, `Administration: ${tab}`, "Administration");
  }

  const groupRows = (page: Page) =>
    page.getByTestId("group-row").evaluateAll((rows) =>
      rows.map((r) => ({
        name: r.querySelector(".tree")?.textContent ?? "",
        depth: r.querySelector(".tree")?.getAttribute("data-depth") ?? "",
      })),
    );

  const day = (offsetDays: number) =>
    new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

  browserTest(
    "groups move in the tree, get settings and managers; a manager decides by name and handles end dates",
    async () => {
      const groups = server.tessera.services.groups;
      const trigger = await groups.create({ name: "/atlas/trigger" });
      const l1 = await groups.create({ name: "/atlas/trigger/l1" });

      const admin = await signIn("admin", ADMIN_PASSWORD);
      const errors = watch(admin);
      await openAdmin(admin, "Groups");
      await expect.poll(() => groupRows(admin)).toContainEqual({ name: "/atlas/trigger/l1", depth: "2" });

      // Move /atlas/trigger (and its subgroup) under /cms.
      await admin.getByRole("button", { name: "Manage /atlas/trigger", exact: true }).click();
      await admin.getByLabel("Parent group").selectOption({ label: "/cms" });
      await admin.getByRole("button", { name: "Move group" }).click();
      await status(admin, "Moved the group");
      await expect
        .poll(() => groupRows(admin))
        .toEqual([
          { name: "/atlas", depth: "0" },
          { name: "/cms", depth: "0" },
          { name: "/cms/trigger", depth: "1" },
          { name: "/cms/trigger/l1", depth: "2" },
        ]);
      expect((await api("GET", `/groups/${l1.id}`)).body).toMatchObject({
        name: "/cms/trigger/l1",
        parent_id: trigger.id,
      });

      // Description and the optional flag.
      await admin.getByRole("heading", { name: "Group /cms/trigger" }).waitFor();
      await admin.getByLabel("Group description").fill("Trigger studies");
      await admin.getByLabel("Group kind").selectOption("optional");
      await admin.getByRole("button", { name: "Save settings" }).click();
      await status(admin, "Saved /cms/trigger.");
      expect((await api("GET", `/groups/${trigger.id}`)).body).toMatchObject({
        description: "Trigger studies",
        optional: true,
      });
      await admin.getByRole("cell", { name: "Trigger studies" }).waitFor();

      // Maria becomes a manager of /cms/trigger.
      await admin.getByLabel("Username to add").fill("maria");
      await admin.getByLabel("Manager of the group").check();
      await admin.getByRole("button", { name: "Add member" }).click();
      await status(admin, "Added maria to /cms/trigger.");
      await admin.getByRole("cell", { name: "Maria Goeppert (maria)" }).waitFor();
      await check(admin, "admin-groups-manage");
      // An unknown username is refused with a message, not a crash.
      await admin.getByLabel("Username to add").fill("nobody-here");
      await admin.getByRole("button", { name: "Add member" }).click();
      await admin
        .getByRole("alert")
        .filter({ hasText: "no account with the username nobody-here" })
        .waitFor();

      // Bob asks to join; Maria sees his name (not his account id) and approves.
      const bob = await server.tessera.services.accounts.findById(people.bob as string);
      if (!bob) throw new Error("bob is missing");
      await groups.request(bob, trigger.id, "I write trigger menus.");
      const maria = await signIn("maria", PASSWORD);
      watch(maria, errors);
      await open(maria, "Requests to decide", "Requests to decide");
      const request = maria.getByRole("row").filter({ hasText: "I write trigger menus." });
      await expect.poll(() => request.getByRole("cell").nth(1).textContent()).toBe("Bob Builder (bob)");
      expect(await maria.locator("main").textContent()).not.toContain(people.bob);
      await maria.getByRole("button", { name: "Approve" }).click();
      await status(maria, "Approved the request for /cms/trigger.");

      // Her group's members: an end date set, cleared; a member removed.
      await maria.getByLabel("Group", { exact: true }).selectOption({ label: "/cms/trigger" });
      await maria.getByLabel("End date of bob", { exact: true }).fill(day(30));
      await maria.getByRole("button", { name: "Save date for bob" }).click();
      await status(maria, "End date of bob saved.");
      const bobIn = async () =>
        (
          (await api("GET", `/groups/${trigger.id}/members`)).body.items as {
            username: string;
            ends_at: string;
          }[]
        ).find((m) => m.username === "bob");
      expect((await bobIn())?.ends_at).toBe(`${day(30)}T23:59:59.000Z`);
      // Managers manage members but do not appoint managers.
      expect(await maria.getByRole("button", { name: /a manager$/ }).count()).toBe(0);
      await check(maria, "manager-members");
      await maria.getByRole("button", { name: "Clear the end date of bob" }).click();
      await status(maria, "bob has no end date now.");
      expect((await bobIn())?.ends_at).toBeNull();
      await maria.getByRole("button", { name: "Remove bob from /cms/trigger" }).click();
      await status(maria, "Removed bob from /cms/trigger.");
      expect(await bobIn()).toBeUndefined();
      await expect.poll(() => maria.getByRole("cell", { name: "Bob Builder (bob)" }).count()).toBe(0);
      // …and adds him back by username, which managers can do without the account search.
      await maria.getByLabel("Username to add").fill("Bob");
      await maria.getByRole("button", { name: "Add member" }).click();
      await status(maria, "Added bob to /cms/trigger.");
      expect((await bobIn())?.ends_at).toBeNull();
      expect(errors).toEqual([]);
    },
    120_000,
  );

  browserTest(
    "a client edited in the dashboard: new redirect URI and grant, rotated secret, suspension",
    async () => {
      const admin = await signIn("admin", ADMIN_PASSWORD);
      const errors = watch(admin);
      await openAdmin(admin, "Clients");
      await admin.getByLabel("Client name").fill("Analysis Portal");
      await admin.getByLabel("Redirect URIs", { exact: true }).fill("https://old.example.org/cb");
      await admin.getByRole("button", { name: "Register client" }).click();
      await status(admin, "Registered Analysis Portal.");
      const oldSecret = await admin.getByTestId("secret").inputValue();
      await admin.getByRole("button", { name: "I have copied it" }).click();
      const clients = (await api("GET", "/clients")).body.items as {
        client_id: string;
        client_name: string;
      }[];
      const clientId = clients.find((c) => c.client_name === "Analysis Portal")?.client_id as string;

      const verifier = randomBytes(32).toString("base64url");
      const authorize = (redirect_uri: string) =>
        fetch(
          `${server.url}/authorize?${new URLSearchParams({
            response_type: "code",
            client_id: clientId,
            redirect_uri,
            scope: "openid",
            state: "s",
            code_challenge: createHash("sha256").update(verifier).digest("base64url"),
            code_challenge_method: "S256",
          })}`,
          { redirect: "manual" },
        );
      // Accepted: on to the sign-in page. Refused: an error page, never a redirect.
      const accepted = async (uri: string) => {
        const response = await authorize(uri);
        return (
          response.status !== 400 &&
          new URL(response.headers.get("location") ?? "", server.url).pathname === "/login"
        );
      };
      expect(await accepted("https://old.example.org/cb")).toBe(true);
      expect(await accepted("https://new.example.org/cb")).toBe(false);

      await admin.getByRole("button", { name: "Edit client Analysis Portal" }).click();
      await admin.getByLabel("Redirect URIs (one per line)").fill("https://new.example.org/cb");
      await admin.getByRole("checkbox", { name: "client_credentials" }).check();
      await admin.getByLabel("Name of the client").fill("Analysis Portal 2");
      await admin.getByRole("button", { name: "Save client" }).click();
      await status(admin, "Saved Analysis Portal 2.");
      await admin.getByRole("cell", { name: "Analysis Portal 2", exact: true }).waitFor();
      expect(await accepted("https://new.example.org/cb")).toBe(true);
      expect(await accepted("https://old.example.org/cb")).toBe(false);
      const refused = await authorize("https://old.example.org/cb");
      expect(refused.status).toBe(400);
      expect(refused.headers.get("location")).toBeNull();

      // The grant added in the form works; then a new secret replaces the old one.
      const clientCredentials = (secret: string) =>
        postForm(
          `${server.url}/token`,
          { grant_type: "client_credentials" },
          { authorization: basicAuth(clientId, secret) },
        );
      expect((await clientCredentials(oldSecret)).status).toBe(200);
      await admin.getByRole("button", { name: "Make a new secret" }).click();
      await status(admin, "A new secret was made");
      const newSecret = await admin.getByTestId("secret").inputValue();
      expect(newSecret).not.toBe(oldSecret);
      expect((await clientCredentials(oldSecret)).status).toBe(401);
      expect((await clientCredentials(newSecret)).status).toBe(200);
      await check(admin, "admin-clients-edit");
      await admin.getByRole("button", { name: "I have copied it" }).click();

      // Suspended: no tokens; active again: tokens.
      await admin.getByRole("button", { name: "Suspend client" }).click();
      await status(admin, "is suspended.");
      await admin.getByRole("row").filter({ hasText: clientId }).getByText("suspended").waitFor();
      expect((await clientCredentials(newSecret)).status).toBe(401);
      await admin.getByRole("button", { name: "Activate client" }).click();
      await status(admin, "is active again.");
      expect((await clientCredentials(newSecret)).status).toBe(200);

      // A token-exchange policy made and removed in the same page.
      await admin.getByLabel("May be exchanged by").selectOption(clientId);
      await admin.getByLabel("Scope ceiling").fill("storage.read:/cms");
      await admin.getByRole("button", { name: "Create exchange policy" }).click();
      await status(admin, "Exchange policy created.");
      expect((await api("GET", "/token-exchange-policies")).body.items).toEqual([
        expect.objectContaining({
          origin_client_id: "*",
          destination_client_id: clientId,
          scope_ceiling: ["storage.read:/cms"],
        }),
      ]);
      await admin
        .getByRole("button", { name: "Delete the exchange policy from any client to Analysis Portal 2" })
        .click();
      await status(admin, "Exchange policy deleted.");
      expect((await api("GET", "/token-exchange-policies")).body.items).toEqual([]);
      expect(errors).toEqual([]);
    },
    120_000,
  );

  browserTest(
    "an administrator finds a user, edits their groups, and gives a bot a service token that opens /auth",
    async () => {
      const admin = await signIn("admin", ADMIN_PASSWORD);
      const errors = watch(admin);
      await openAdmin(admin, "Users");

      // A bot account, made in the dashboard and found by searching.
      await admin.getByLabel("New username").fill("bot-ingest");
      await admin.getByLabel("Full name").fill("Ingest robot");
      await admin.getByLabel("Email").fill("robots@example.org");
      await admin.getByRole("button", { name: "Create account" }).click();
      await status(admin, "Created bot-ingest.");
      await admin.getByLabel("Search users").fill("INGEST");
      const accounts = admin.getByRole("region", { name: "Accounts", exact: true }).getByRole("row");
      await expect.poll(() => accounts.count()).toBe(2); // the header and bot-ingest
      await accounts.filter({ hasText: "bot-ingest" }).waitFor();

      // Its groups: join /cms with an end date, then no end date.
      await admin.getByRole("button", { name: "Groups of bot-ingest" }).click();
      await admin.getByRole("heading", { name: "Groups of bot-ingest" }).waitFor();
      await admin.getByLabel("Group to join").selectOption({ label: "/cms" });
      await admin.getByLabel("Until (optional)").fill(day(10));
      await admin.getByRole("button", { name: "Add to group" }).click();
      await status(admin, "Added bot-ingest to /cms.");
      const bot = await server.tessera.services.accounts.findByUsername("bot-ingest");
      if (!bot) throw new Error("the bot account was not created");
      const botGroups = async () =>
        (
          (await api("GET", `/accounts/${bot.id}/groups`)).body.items as {
            group: { name: string };
            ends_at: string | null;
          }[]
        ).map((m) => [m.group.name, m.ends_at]);
      expect(await botGroups()).toEqual([["/cms", `${day(10)}T23:59:59.000Z`]]);
      await admin.getByRole("button", { name: "Clear the end of the membership in /cms" }).click();
      await status(admin, "The membership in /cms has no end date now.");
      expect(await botGroups()).toEqual([["/cms", null]]);
      await check(admin, "admin-users-groups");

      // Bob's membership of a group he should not be in goes. Finding him races a slow answer:
      // the search for "bo" (bob and bot-ingest) answers after the one for "bob", and must not
      // overwrite it.
      let slowAnswered!: () => void;
      const slowDone = new Promise<void>((done) => {
        slowAnswered = done;
      });
      await admin.route(/\/api\/v1\/accounts\?.*q=bo(&|$)/, async (route) => {
        await new Promise((r) => setTimeout(r, 1_000));
        await route.continue();
        slowAnswered();
      });
      await admin.getByLabel("Search users").fill("bo");
      await admin.getByLabel("Search users").fill("bob");
      await accounts.filter({ hasText: "bob" }).first().waitFor();
      await slowDone;
      await admin.waitForTimeout(200);
      expect(await accounts.filter({ hasText: "bot-ingest" }).count()).toBe(0);
      await expect.poll(() => accounts.count()).toBe(2); // the header and bob
      await admin.getByRole("button", { name: "Groups of bob" }).click();
      await admin.getByLabel("Group to join").selectOption({ label: "/atlas" });
      await admin.getByRole("button", { name: "Add to group" }).click();
      await status(admin, "Added bob to /atlas.");
      await admin.getByRole("button", { name: "Remove bob from /atlas" }).click();
      await status(admin, "Removed bob from /atlas.");
      expect(
        (
          (await api("GET", `/accounts/${people.bob}/groups`)).body.items as { group: { name: string } }[]
        ).map((m) => m.group.name),
      ).not.toContain("/atlas");
      await admin.getByRole("button", { name: "Suspend bob" }).click();
      await status(admin, "bob is suspended.");
      expect((await api("GET", `/accounts/${people.bob}`)).body.status).toBe("suspended");

      // A service token for the bot: shown once, and it opens the gateway with the group's scope.
      await open(admin, "Service tokens", "Administration: Service tokens", "Administration");
      await admin.getByLabel("Bot account").fill("bot-ingest");
      await admin.getByLabel("Token name").fill("ingest");
      await admin.getByLabel("Token scopes").fill("read:cms");
      await admin.getByRole("button", { name: "Create service token" }).click();
      await status(admin, "Created the token ingest for bot-ingest.");
      const token = await admin.getByTestId("secret").inputValue();
      expect(token).toMatch(/^tsr_/);
      const gateway = () =>
        fetch(`${server.url}/auth?scope=read:cms`, { headers: { authorization: `Bearer ${token}` } });
      const opened = await gateway();
      expect(opened.status).toBe(200);
      expect(opened.headers.get("x-auth-request-user")).toBe("bot-ingest");

      // Anyone's tokens, by owner: the bot's is listed with its username, and revoked here.
      await admin.getByLabel("Owner (username)").fill("bot-ingest");
      const row = admin
        .getByRole("region", { name: "Tokens", exact: true })
        .getByRole("row")
        .filter({ hasText: "ingest" });
      await expect.poll(() => row.getByRole("cell").first().textContent()).toBe("bot-ingest");
      expect(await row.getByRole("cell").nth(2).textContent()).toBe("service");
      await check(admin, "admin-tokens");
      await admin.getByRole("button", { name: "Revoke ingest of bot-ingest" }).click();
      await status(admin, "Revoked ingest.");
      expect((await gateway()).status).toBe(401);
      // A person is not a bot: the API's refusal reaches the page.
      await admin.getByLabel("Bot account").fill("maria");
      await admin.getByLabel("Token name").fill("nope");
      await admin.getByRole("button", { name: "Create service token" }).click();
      await admin.getByRole("alert").filter({ hasText: "bot accounts" }).waitFor();
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
