import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";
const DAY = 86_400_000;
let server: TestServer;
let cli: { client_id: string; client_secret: string };

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
  cli = (
    await api("POST", "/clients", {
      client_name: "aup cli",
      grant_types: ["password", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid offline_access",
    })
  ).body as typeof cli;
  for (const name of ["vera", "walt"]) {
    await server.tessera.services.accounts.create({
      username: name,
      name,
      email: `${name}@example.org`,
      password: PASSWORD,
    });
  }
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);
const password = (username: string) =>
  postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: PASSWORD,
    scope: "openid offline_access",
  });

async function sign(browser: ReturnType<typeof createBrowser>, from = "/") {
  const gated = await browser.get(from);
  expect(gated.status).toBe(303);
  const location = gated.headers.get("location") as string;
  expect(location).toBe(`/aup?rd=${encodeURIComponent(from)}`);
  const page = await (await browser.get(location)).text();
  const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(page)?.[1] as string;
  const signed = await browser.post("/aup", { csrf_token, rd: from });
  expect(signed.status).toBe(303);
  expect(signed.headers.get("location")).toBe(`${server.url}${from}`);
  return page;
}

describe("acceptable use policy", () => {
  test("without a policy nothing is asked", async () => {
    expect((await api("GET", "/aup")).status).toBe(404);
    expect((await password("vera")).status).toBe(200);
  });

  test("a user signs at sign-in and gets no tokens before", async () => {
    const set = await api("PUT", "/aup", {
      text: "Use the resources for science.\n\nDo not share credentials.",
      url: "https://example.org/aup",
      validity_days: 30,
    });
    expect(set.body).toMatchObject({ validity_days: 30, url: "https://example.org/aup" });
    const refused = await password("vera");
    expect(refused.body).toMatchObject({ error: "invalid_grant" });
    expect(refused.body.error_description).toContain("/aup");

    const browser = createBrowser(server.url);
    await browser.login("vera", PASSWORD);
    const page = await sign(browser);
    expect(page).toContain("Do not share credentials.");
    expect(page).toContain("Your agreement lasts 30 days.");
    expect((await browser.get("/")).status).toBe(200);
    expect((await password("vera")).status).toBe(200);
  });

  test("a stale signature sends the user back to sign, and refreshes stop until then", async () => {
    await api("PUT", "/aup", { text: "Use the resources for science.", url: null, validity_days: 1 });
    const tokens = (await password("vera")).body;
    server.clock.advance(2 * DAY);
    const browser = createBrowser(server.url);
    await browser.login("vera", PASSWORD);
    const page = await sign(browser, "/device");
    expect(page).toContain("Your agreement has expired");
    // Re-signed: the old refresh token works again.
    const refreshed = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.client_id,
      client_secret: cli.client_secret,
      refresh_token: tokens.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    server.clock.advance(2 * DAY);
    const stale = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.client_id,
      client_secret: cli.client_secret,
      refresh_token: refreshed.body.refresh_token as string,
    });
    expect(stale.body.error).toBe("invalid_grant");
  });

  test("validity 0 means sign once; people see their status; signing is audited", async () => {
    await api("PUT", "/aup", { text: "Sign once.", url: null, validity_days: 0 });
    const browser = createBrowser(server.url);
    await browser.login("walt", PASSWORD);
    await sign(browser);
    server.clock.advance(3650 * DAY);
    const tokens = await password("walt");
    expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
    const status = await api("GET", "/me/aup", undefined, `Bearer ${tokens.body.access_token}`);
    expect(status.body).toMatchObject({ must_sign: false, expires_at: null });
    const audit = await api("GET", "/audit?event=aup.signed");
    expect((audit.body.items as { username: string }[]).map((e) => e.username)).toEqual(
      expect.arrayContaining(["vera", "walt"]),
    );
  });

  test("administrators only, and bad values are problem JSON", async () => {
    const tokens = await password("walt");
    expect(
      (await api("PUT", "/aup", { text: "x", validity_days: 1 }, `Bearer ${tokens.body.access_token}`))
        .status,
    ).toBe(403);
    expect((await api("PUT", "/aup", { text: "", url: null, validity_days: 1 })).body).toMatchObject({
      status: 400,
      code: "invalid_aup",
    });
    expect(
      (await api("PUT", "/aup", { text: "x", url: "javascript:alert(1)", validity_days: 1 })).status,
    ).toBe(400);
    expect((await api("PUT", "/aup", { text: "x", validity_days: -1 })).status).toBe(400);
    expect((await api("DELETE", "/aup")).status).toBe(204);
    expect((await password("vera")).status).toBe(200);
  });
});
