import { createVerifier } from "@tessera/verify";
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let tokenUrl: string;
let service: { clientId: string; secret: string };
let cli: { clientId: string; secret: string };
let device: { clientId: string };

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

beforeAll(async () => {
  server = await startTestServer();
  tokenUrl = `${server.url}/token`;
  const clients = server.tessera.services.clients;
  const a = await clients.register({
    clientName: "Rucio",
    clientId: "rucio client",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials"],
    scopes: ["storage.read:/cms", "storage.modify:/cms/store/user", "compute.read"],
  });
  service = { clientId: a.client.clientId, secret: a.clientSecret as string };
  const b = await clients.register({
    clientName: "Trusted CLI",
    authMethod: "client_secret_post",
    grantTypes: ["password", "refresh_token"],
    scopes: [
      "openid",
      "profile",
      "email",
      "offline_access",
      "wlcg",
      "wlcg.groups",
      "storage.read:/",
      "compute.create",
    ],
  });
  cli = { clientId: b.client.clientId, secret: b.clientSecret as string };
  const c = await clients.register({
    clientName: "tessera-cli",
    authMethod: "none",
    applicationType: "native",
    grantTypes: [DEVICE_GRANT, "refresh_token"],
    scopes: ["openid", "profile", "email", "offline_access", "wlcg", "storage.read:/cms"],
  });
  device = { clientId: c.client.clientId };
});
afterAll(() => server.close());

const asService = () => ({ authorization: basicAuth(service.clientId, service.secret) });

describe("discovery", () => {
  test("advertises the token and device endpoints and the grants", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.token_endpoint).toBe(tokenUrl);
    expect(doc.device_authorization_endpoint).toBe(`${server.url}/devicecode`);
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(["client_credentials", "refresh_token", DEVICE_GRANT]),
    );
  });
});

describe("client credentials", () => {
  test("issues a WLCG access token narrowed to what the client may have", async () => {
    const { status, headers, body } = await postForm(
      tokenUrl,
      {
        grant_type: "client_credentials",
        scope: "storage.read:/cms/data  compute.create storage.modify:/cms/store/user/alice ",
      },
      asService(),
    );
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 1200,
      scope: "storage.read:/cms/data storage.modify:/cms/store/user/alice",
    });
    expect(body.refresh_token).toBeUndefined();
    expect(body.id_token).toBeUndefined();
    const token = body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", typ: "at+jwt" });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${server.url}/jwk`)), {
      issuer: server.url,
      algorithms: ["RS256"],
      currentDate: new Date(server.clock.now()),
    });
    expect(payload).toMatchObject({
      "wlcg.ver": "1.0",
      sub: "rucio client",
      client_id: "rucio client",
      aud: "https://wlcg.cern.ch/jwt/v1/any",
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(1200);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("tokens pass the project's own resource-server verifier", async () => {
    const { body } = await postForm(
      tokenUrl,
      { grant_type: "client_credentials", scope: "storage.read:/cms" },
      asService(),
    );
    const verifier = createVerifier({
      issuers: [{ issuer: server.url }],
      clock: () => new Date(server.clock.now()),
    });
    const result = await verifier.verify(body.access_token as string, {
      requiredScopes: ["storage.read:/cms/file"],
    });
    expect(result.subject).toBe("rucio client");
  });

  test("audience and resource parameters set aud", async () => {
    const { body } = await postForm(
      tokenUrl,
      { grant_type: "client_credentials", audience: "rucio fts", resource: "https://dcache.example.org" },
      asService(),
    );
    expect(decodeJwt(body.access_token as string).aud).toEqual([
      "rucio",
      "fts",
      "https://dcache.example.org",
    ]);
  });

  test("client authentication failures are invalid_client with a Basic challenge", async () => {
    const wrong = await postForm(
      tokenUrl,
      { grant_type: "client_credentials" },
      { authorization: basicAuth(service.clientId, "nope") },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="tessera"');
    const unknown = await postForm(
      tokenUrl,
      { grant_type: "client_credentials" },
      { authorization: basicAuth("nobody", "nope") },
    );
    expect(unknown.body).toEqual(wrong.body);
    const none = await postForm(tokenUrl, { grant_type: "client_credentials" });
    expect(none.status).toBe(401);
    const publicClient = await postForm(tokenUrl, {
      grant_type: "client_credentials",
      client_id: device.clientId,
    });
    expect(publicClient.body.error).toBe("unauthorized_client");
  });

  test("bad requests get the RFC error codes", async () => {
    const cases: [Record<string, string | string[]>, number, string][] = [
      [{}, 400, "invalid_request"],
      [{ grant_type: "urn:example:unknown" }, 400, "unsupported_grant_type"],
      [{ grant_type: "password", username: "a", password: "b" }, 400, "unauthorized_client"],
      [{ grant_type: "client_credentials", scope: "storage.read" }, 400, "invalid_scope"],
      [{ grant_type: "client_credentials", scope: "wlcg:2.0" }, 400, "invalid_scope"],
      [{ grant_type: ["client_credentials", "client_credentials"] }, 400, "invalid_request"],
      [{ grant_type: "client_credentials", resource: "not a uri" }, 400, "invalid_target"],
    ];
    for (const [form, status, error] of cases) {
      const response = await postForm(tokenUrl, form, asService());
      expect(response.status, JSON.stringify(form)).toBe(status);
      expect(response.body.error, JSON.stringify(form)).toBe(error);
      expect(typeof response.body.error_description).toBe("string");
    }
    const json = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...asService() },
      body: JSON.stringify({ grant_type: "client_credentials" }),
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as Record<string, unknown>).error).toBe("invalid_request");
  });
});

describe("password grant and refresh", () => {
  const login = (extra: Record<string, string> = {}) =>
    postForm(tokenUrl, {
      grant_type: "password",
      client_id: cli.clientId,
      client_secret: cli.secret,
      username: "admin",
      password: ADMIN_PASSWORD,
      scope: "openid profile email offline_access wlcg storage.read:/cms",
      ...extra,
    });
  const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
    postForm(tokenUrl, {
      grant_type: "refresh_token",
      client_id: cli.clientId,
      client_secret: cli.secret,
      refresh_token: refreshToken,
      ...extra,
    });

  test("issues access, ID and refresh tokens with the IAM claim names", async () => {
    const { status, body } = await login();
    expect(status).toBe(200);
    expect(body.scope).toBe("openid profile email offline_access wlcg storage.read:/cms");
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = decodeJwt(body.id_token as string);
    expect(id).toMatchObject({
      aud: cli.clientId,
      preferred_username: "admin",
      name: "Administrator",
      email: "admin@localhost",
      organisation_name: "tessera",
      "wlcg.ver": "1.0",
    });
    const access = decodeJwt(body.access_token as string);
    const admin = await server.tessera.services.accounts.findByUsername("admin");
    expect(access.sub).toBe(admin?.id);
  });

  test("a wrong password is invalid_grant", async () => {
    const { status, body } = await login({ password: "wrong password" });
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_grant");
  });

  test("refresh rotates, may narrow, may not widen; reuse revokes the whole family", async () => {
    const first = (await login()).body;
    const narrowed = await refresh(first.refresh_token as string, {
      scope: "storage.read:/cms/data",
      audience: "rucio",
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe("storage.read:/cms/data");
    expect(decodeJwt(narrowed.body.access_token as string).aud).toBe("rucio");
    expect(narrowed.body.refresh_token).not.toBe(first.refresh_token);

    // The rotated token still carries the original grant.
    const full = await refresh(narrowed.body.refresh_token as string);
    expect(full.body.scope).toBe("openid profile email offline_access wlcg storage.read:/cms");
    const widened = await refresh(full.body.refresh_token as string, { scope: "storage.read:/" });
    expect(widened.body.error).toBe("invalid_scope");
    // Asking for too much does not cost the token: it still refreshes once, and only once.
    const kept = await refresh(full.body.refresh_token as string);
    expect(kept.status).toBe(200);
    expect((await refresh(full.body.refresh_token as string)).body.error).toBe("invalid_grant");

    // Replaying a spent token revoked everything descended from it.
    const replay = await refresh(first.refresh_token as string);
    expect(replay.body.error).toBe("invalid_grant");
    const latest = await refresh(kept.body.refresh_token as string);
    expect(latest.body.error).toBe("invalid_grant");
  });

  test("a refresh token belongs to its client and stops when the account is suspended", async () => {
    const user = await server.tessera.services.accounts.create({
      username: "pat",
      name: "Pat",
      email: "pat@example.org",
      password: "a long enough password",
    });
    const { body } = await login({ username: "pat", password: "a long enough password" });
    const stolen = await postForm(
      tokenUrl,
      { grant_type: "refresh_token", refresh_token: body.refresh_token as string },
      asService(),
    );
    expect(stolen.body.error).toBe("unauthorized_client");
    await server.tessera.services.accounts.setStatus(user.id, "suspended");
    expect((await refresh(body.refresh_token as string)).body.error).toBe("invalid_grant");
  });

  test("refresh tokens expire", async () => {
    const { body } = await login();
    server.clock.advance(10 * 86_400_000 + 1);
    expect((await refresh(body.refresh_token as string)).body.error).toBe("invalid_grant");
  });
});

describe("device flow", () => {
  const start = (scope = "openid profile offline_access storage.read:/cms") =>
    postForm(`${server.url}/devicecode`, { client_id: device.clientId, scope });
  const poll = (deviceCode: string) =>
    postForm(tokenUrl, { grant_type: DEVICE_GRANT, client_id: device.clientId, device_code: deviceCode });

  test("pending, slow_down, approval in the browser, tokens once", async () => {
    const { status, body } = await start();
    expect(status).toBe(200);
    expect(body).toMatchObject({ verification_uri: `${server.url}/device`, expires_in: 600, interval: 5 });
    expect(body.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(body.verification_uri_complete).toBe(`${server.url}/device?user_code=${body.user_code}`);

    expect((await poll(body.device_code as string)).body.error).toBe("authorization_pending");
    const fast = await poll(body.device_code as string);
    expect(fast.body.error).toBe("slow_down");
    server.clock.advance(10_000);
    expect((await poll(body.device_code as string)).body.error).toBe("authorization_pending");

    const browser = createBrowser(server.url);
    const complete = new URL(body.verification_uri_complete as string);
    const redirect = await browser.get(complete.pathname + complete.search);
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get("location")).toBe(
      `/login?rd=${encodeURIComponent(complete.pathname + complete.search)}`,
    );
    const loggedIn = await browser.login("admin", ADMIN_PASSWORD, {
      rd: complete.pathname + complete.search,
    });
    expect(loggedIn.headers.get("location")).toBe(complete.href);
    const consent = await browser.get(complete.pathname + complete.search.toLowerCase().replace("-", " "));
    expect(consent.status).toBe(200);
    const html = await consent.text();
    expect(html).toContain("tessera-cli");
    expect(html).toContain("storage.read:/cms");
    const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
    const approved = await browser.post("/device", {
      csrf_token,
      user_code: body.user_code as string,
      decision: "approve",
    });
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain("Device approved");

    server.clock.advance(10_000);
    const tokens = await poll(body.device_code as string);
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe("openid profile offline_access storage.read:/cms");
    expect(tokens.body.refresh_token).toBeTruthy();
    server.clock.advance(10_000);
    expect((await poll(body.device_code as string)).body.error).toBe("invalid_grant");
  });

  test("denial and expiry", async () => {
    const denied = (await start()).body;
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const csrf_token = await browser.csrfFrom(`/device?user_code=${denied.user_code}`);
    await browser.post("/device", { csrf_token, user_code: denied.user_code as string, decision: "deny" });
    expect((await poll(denied.device_code as string)).body.error).toBe("access_denied");

    const expired = (await start()).body;
    server.clock.advance(600_000);
    expect((await poll(expired.device_code as string)).body.error).toBe("expired_token");
  });

  test("guessing user codes locks the guesser out", async () => {
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await browser.get("/device?user_code=BBBB-BBBB")).status);
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses.at(-1)).toBe(429);
    server.clock.advance(3_600_000);
  });

  test("a device code is bound to its client", async () => {
    const { body } = await start();
    const other = await postForm(
      tokenUrl,
      { grant_type: DEVICE_GRANT, device_code: body.device_code as string },
      asService(),
    );
    expect(other.body.error).toBe("unauthorized_client");
  });
});
