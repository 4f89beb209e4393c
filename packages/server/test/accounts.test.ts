import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";
let server: TestServer;
let cli: { client_id: string; client_secret: string };

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  cli = (
    await api("POST", "/clients", {
      client_name: "accounts cli",
      grant_types: ["password", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid offline_access",
    })
  ).body as typeof cli;
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);

const tokens = (username: string) =>
  postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: PASSWORD,
    scope: "openid offline_access",
  });
const refresh = (refreshToken: string) =>
  postForm(`${server.url}/token`, {
    grant_type: "refresh_token",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    refresh_token: refreshToken,
  });

describe("accounts API", () => {
  test("create, read, list by username, conflicts and bad input", async () => {
    const created = await api("POST", "/accounts", {
      username: "quentin",
      name: "Quentin",
      email: "q@example.org",
      password: PASSWORD,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: "quentin",
      status: "active",
      is_admin: false,
      ends_at: null,
    });
    expect((await api("GET", `/accounts/${created.body.id}`)).body).toMatchObject({ username: "quentin" });
    expect(
      (await api("POST", "/accounts", { username: "quentin", name: "Q", email: "q@example.org" })).status,
    ).toBe(409);
    for (const bad of [
      { username: "Bad Name", name: "x", email: "x@example.org" },
      { username: "ok-name", name: "x", email: "not an email" },
      { username: "ok-name", name: "x", email: "x@example.org", password: "short" },
      { username: "ok-name", name: "x", email: "x@example.org", is_admin: "yes" },
    ]) {
      expect((await api("POST", "/accounts", bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const first = await api("GET", "/accounts?limit=1");
    const second = await api("GET", `/accounts?limit=1&after=${first.body.next}`);
    const names = [
      ...(first.body.items as { username: string }[]),
      ...(second.body.items as { username: string }[]),
    ].map((a) => a.username);
    expect(names).toEqual([...names].sort());
    expect((await api("GET", "/accounts/nobody")).status).toBe(404);
  });

  test("an end date expires the account: no login, no refresh, no valid tokens, shown as expired", async () => {
    const { body: account } = await api("POST", "/accounts", {
      username: "rhea",
      name: "Rhea",
      email: "rhea@example.org",
      password: PASSWORD,
      ends_at: new Date(server.clock.now() + 3_600_000).toISOString(),
    });
    const issued = (await tokens("rhea")).body;
    const browser = createBrowser(server.url);
    expect((await browser.login("rhea", PASSWORD)).status).toBe(303);

    server.clock.advance(3_600_001);
    expect((await api("GET", `/accounts/${account.id}`)).body.status).toBe("expired");
    expect((await browser.get("/")).status).toBe(303);
    expect((await createBrowser(server.url).login("rhea", PASSWORD)).status).toBe(403);
    expect((await refresh(issued.refresh_token as string)).body.error).toBe("invalid_grant");
    const userinfo = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `Bearer ${issued.access_token}` },
    });
    expect(userinfo.status).toBe(401);

    // Extending the end date lets the account in again.
    await api("PATCH", `/accounts/${account.id}`, { ends_at: null });
    expect((await tokens("rhea")).status).toBe(200);
  });

  test("suspension and an end date in the past revoke refresh tokens for good", async () => {
    const { body: account } = await api("POST", "/accounts", {
      username: "sven",
      name: "Sven",
      email: "sven@example.org",
      password: PASSWORD,
    });
    const first = (await tokens("sven")).body;
    expect((await api("PATCH", `/accounts/${account.id}`, { status: "suspended" })).body.status).toBe(
      "suspended",
    );
    await api("PATCH", `/accounts/${account.id}`, { status: "active" });
    expect((await refresh(first.refresh_token as string)).body.error).toBe("invalid_grant");

    const second = (await tokens("sven")).body;
    await api("PATCH", `/accounts/${account.id}`, {
      ends_at: new Date(server.clock.now() - 1000).toISOString(),
    });
    await api("PATCH", `/accounts/${account.id}`, { ends_at: null });
    expect((await refresh(second.refresh_token as string)).body.error).toBe("invalid_grant");
  });

  test("administrators grant the role; nobody removes their own", async () => {
    const { body: account } = await api("POST", "/accounts", {
      username: "tara",
      name: "Tara",
      email: "tara@example.org",
      password: PASSWORD,
    });
    expect((await api("PATCH", `/accounts/${account.id}`, { is_admin: true })).body.is_admin).toBe(true);
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const csrf = await browser.csrfFrom("/");
    const me = (await (
      await browser.request("/api/v1/me", { headers: { accept: "application/json" } })
    ).json()) as { account: { id: string } };
    const demote = await browser.request(`/api/v1/accounts/${me.account.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", accept: "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({ is_admin: false }),
    });
    expect(demote.status).toBe(409);
  });

  test("people read their own history; administrators read anyone's", async () => {
    const { body: account } = await api("POST", "/accounts", {
      username: "uma",
      name: "Uma",
      email: "uma@example.org",
      password: PASSWORD,
    });
    await createBrowser(server.url).login("uma", "wrong password");
    const issued = (await tokens("uma")).body;
    const mine = await api("GET", "/me/audit", undefined, `Bearer ${issued.access_token}`);
    const results = (mine.body.items as { event: string; result: string }[])
      .filter((e) => e.event === "login")
      .map((e) => e.result);
    expect(results).toEqual(["success", "failure"]);
    const admin = await api("GET", `/accounts/${account.id}/audit`);
    expect((admin.body.items as unknown[]).length).toBeGreaterThanOrEqual(2);
  });
});
