import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
});
afterAll(() => server.close());

const api = restApi(() => server.url, BOOTSTRAP);

describe("a token request may ask for a shorter lifetime (expires_in, IAM #869)", () => {
  test("shorter is granted, longer is capped, nonsense is invalid_request", async () => {
    const { body: client } = await api("POST", "/clients", {
      client_name: "short",
      grant_types: ["client_credentials"],
      scope: "compute.read",
    });
    const auth = { authorization: basicAuth(client.client_id as string, client.client_secret as string) };
    const ask = (expires_in: string) =>
      postForm(`${server.url}/token`, { grant_type: "client_credentials", expires_in }, auth);
    const short = await ask("120");
    expect(short.body.expires_in).toBe(120);
    const claims = decodeJwt(short.body.access_token as string);
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    expect((await ask("99999")).body.expires_in).toBe(1200);
    for (const bad of ["10", "abc", "-5", "1e9"])
      expect((await ask(bad)).body.error, bad).toBe("invalid_request");
  });
});

describe("suspending a client (IAM #705)", () => {
  test("stops its authentication, deactivates its tokens and revokes its refresh tokens for good", async () => {
    const { body: client } = await api("POST", "/clients", {
      client_name: "to suspend",
      grant_types: ["password", "refresh_token", "authorization_code"],
      redirect_uris: ["https://app.example.org/cb"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid offline_access",
    });
    const { body: introspector } = await api("POST", "/clients", {
      client_name: "rs",
      grant_types: ["client_credentials"],
      scope: "compute.read",
    });
    const credentials = {
      client_id: client.client_id as string,
      client_secret: client.client_secret as string,
    };
    const tokens = (
      await postForm(`${server.url}/token`, {
        grant_type: "password",
        ...credentials,
        username: "admin",
        password: ADMIN_PASSWORD,
        scope: "openid offline_access",
      })
    ).body;
    const introspect = async () =>
      (
        await postForm(
          `${server.url}/introspect`,
          { token: tokens.access_token as string },
          {
            authorization: basicAuth(introspector.client_id as string, introspector.client_secret as string),
          },
        )
      ).body.active;
    expect(await introspect()).toBe(true);

    const suspended = await api("POST", `/clients/${client.client_id}/suspend`);
    expect(suspended.body.suspended_at).toEqual(expect.any(String));
    const refused = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      ...credentials,
      refresh_token: tokens.refresh_token as string,
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("invalid_client");
    expect(await introspect()).toBe(false);
    expect(
      (await fetch(`${server.url}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } }))
        .status,
    ).toBe(401);
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const authorize = await browser.get(
      `/authorize?response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent("https://app.example.org/cb")}`,
    );
    expect(authorize.status).toBe(400);
    expect(authorize.headers.get("location")).toBeNull();

    // Lifting the suspension does not revive the grants that existed.
    expect((await api("POST", `/clients/${client.client_id}/activate`)).body.suspended_at).toBeNull();
    const stillDead = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      ...credentials,
      refresh_token: tokens.refresh_token as string,
    });
    expect(stillDead.body.error).toBe("invalid_grant");
  });
});

describe("dynamically registered clients (IAM #652, #892)", () => {
  const register = (body: unknown, authorization?: string) =>
    fetch(`${server.url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const CLI = {
    client_name: "tessera-cli",
    application_type: "native",
    token_endpoint_auth_method: "none",
    grant_types: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    response_types: [],
    redirect_uris: [],
  };

  test("a user's access token makes the user the client's owner; other bearers are refused", async () => {
    const { body: cli } = await api("POST", "/clients", {
      client_name: "pw",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid",
    });
    const tokens = await postForm(`${server.url}/token`, {
      grant_type: "password",
      client_id: cli.client_id as string,
      client_secret: cli.client_secret as string,
      username: "admin",
      password: ADMIN_PASSWORD,
      scope: "openid",
    });
    const owned = await register(CLI, `Bearer ${tokens.body.access_token}`);
    expect(owned.status).toBe(201);
    const admin = await server.tessera.services.accounts.findByUsername("admin");
    expect((await api("GET", `/clients/${owned.body.client_id}`)).body.owner_account_id).toBe(admin?.id);
    expect((await register(CLI, "Bearer not-a-token")).status).toBe(401);
    const anonymous = await register(CLI);
    expect((await api("GET", `/clients/${anonymous.body.client_id}`)).body.owner_account_id).toBeNull();
  });

  test("registration access tokens expire", async () => {
    const { body } = await register(CLI);
    const read = () =>
      fetch(body.registration_client_uri as string, {
        headers: { authorization: `Bearer ${body.registration_access_token}` },
      });
    expect((await read()).status).toBe(200);
    server.clock.advance(366 * 86_400_000);
    expect((await read()).status).toBe(401);
  });
});

describe("unused self-registered clients are cleaned up (IAM #680)", () => {
  test("housekeeping deletes old anonymous registrations without grants, and keeps the rest", async () => {
    const { createHousekeeping } = await import("../src/domain/maintenance/housekeeping.js");
    const register = async (body: Record<string, unknown>, authorization?: string) =>
      (await (
        await fetch(`${server.url}/register`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, unknown>;
    const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";
    const cli = {
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: [DEVICE, "refresh_token"],
      response_types: [],
      redirect_uris: [],
    };
    const unused = await register({ ...cli, client_name: "forgotten" });
    const used = await register({ ...cli, client_name: "in use" });
    const service = await register(
      { client_name: "svc", grant_types: ["client_credentials"], scope: "openid" },
      `Bearer ${BOOTSTRAP}`,
    );
    // The used client holds a refresh token.
    const admin = await server.tessera.services.accounts.findByUsername("admin");
    const usedClient = await server.tessera.services.clients.find(used.client_id as string);
    if (!admin || !usedClient) throw new Error("setup");
    server.clock.advance(91 * 86_400_000);
    await server.tessera.services.tokenIssuer.issue({
      client: usedClient,
      account: admin,
      scope: ["openid", "offline_access"],
      audiences: [],
    });
    const housekeeping = createHousekeeping({
      repo: server.tessera.services.repos.housekeeping,
      clock: server.clock,
      auditRetention: 400 * 86_400,
      sessionIdleTimeout: 7200,
      unusedClientLifetime: 90 * 86_400,
    });
    const report = await housekeeping.run();
    expect(report.deleted.clients_unused).toBeGreaterThanOrEqual(1);
    const clients = server.tessera.services.clients;
    expect(await clients.find(unused.client_id as string)).toBeUndefined();
    expect(await clients.find(used.client_id as string)).toBeDefined();
    expect(await clients.find(service.client_id as string)).toBeDefined();
  });
});
