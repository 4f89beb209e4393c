import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let rp: { clientId: string; secret: string };
let other: { clientId: string; secret: string };
let cli: { clientId: string };

const USER_SCOPES = ["openid", "profile", "email", "offline_access", "wlcg", "wlcg.groups", "storage.read:/"];

beforeAll(async () => {
  server = await startTestServer();
  const clients = server.tessera.services.clients;
  const a = await clients.register({
    clientName: "Relying party",
    clientId: "rp",
    authMethod: "client_secret_basic",
    grantTypes: ["password", "refresh_token", "client_credentials"],
    scopes: USER_SCOPES,
  });
  rp = { clientId: a.client.clientId, secret: a.clientSecret as string };
  const b = await clients.register({
    clientName: "Other service",
    clientId: "other",
    authMethod: "client_secret_post",
    grantTypes: ["client_credentials"],
    scopes: ["compute.read"],
  });
  other = { clientId: b.client.clientId, secret: b.clientSecret as string };
  const c = await clients.register({
    clientName: "tessera-cli",
    clientId: "cli",
    authMethod: "none",
    applicationType: "native",
    grantTypes: ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    scopes: USER_SCOPES,
  });
  cli = { clientId: c.client.clientId };
});
afterAll(() => server.close());

const asRp = () => ({ authorization: basicAuth(rp.clientId, rp.secret) });
const otherForm = () => ({ client_id: other.clientId, client_secret: other.secret });

async function login(
  scope = "openid profile email offline_access wlcg.groups storage.read:/data",
  user = { username: "admin", password: ADMIN_PASSWORD },
) {
  const { status, body } = await postForm(
    `${server.url}/token`,
    { grant_type: "password", scope, ...user },
    asRp(),
  );
  expect(status).toBe(200);
  return body as { access_token: string; refresh_token: string; id_token: string; scope: string };
}

const introspect = (
  token: string,
  auth: Record<string, string> = asRp(),
  extra: Record<string, string> = {},
) => postForm(`${server.url}/introspect`, { token, ...extra }, auth);
const introspectAs = (token: string, form: Record<string, string>) =>
  postForm(`${server.url}/introspect`, { token, ...form });

async function revoke(
  token: string,
  auth: Record<string, string> = asRp(),
  form: Record<string, string> = {},
) {
  const response = await fetch(`${server.url}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
    body: new URLSearchParams({ token, ...form }).toString(),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function userinfo(init: {
  bearer?: string;
  method?: string;
  form?: Record<string, string>;
  query?: string;
}) {
  const headers: Record<string, string> = {};
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  if (init.form) headers["content-type"] = "application/x-www-form-urlencoded";
  const response = await fetch(`${server.url}/userinfo${init.query ?? ""}`, {
    method: init.method ?? "GET",
    headers,
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** An access token our own key signs, with whatever claims a test needs. */
async function ownSigned(claims: Record<string, unknown>, typ = "at+jwt") {
  return server.tessera.services.keys.sign(claims, typ);
}

function accessClaims() {
  const iat = Math.floor(server.clock.now() / 1000);
  return {
    "wlcg.ver": "1.0",
    sub: "rp",
    aud: "https://wlcg.cern.ch/jwt/v1/any",
    nbf: iat,
    scope: "openid",
    iss: server.url,
    exp: iat + 600,
    iat,
    jti: crypto.randomUUID(),
    client_id: "rp",
  };
}

describe("discovery", () => {
  test("advertises introspection, revocation and userinfo", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      introspection_endpoint: `${server.url}/introspect`,
      revocation_endpoint: `${server.url}/revoke`,
      userinfo_endpoint: `${server.url}/userinfo`,
    });
    expect(doc.introspection_endpoint_auth_methods_supported).not.toContain("none");
    expect(doc.introspection_endpoint_auth_methods_supported).toContain("client_secret_basic");
    expect(doc.revocation_endpoint_auth_methods_supported).toContain("none");
  });
});

describe("introspection", () => {
  test("a user's access token is active, with its claims and the username", async () => {
    const tokens = await login();
    const { status, headers, body } = await introspect(tokens.access_token);
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    const claims = decodeJwt(tokens.access_token);
    expect(body).toEqual({
      active: true,
      scope: "openid profile email offline_access wlcg.groups storage.read:/data",
      client_id: "rp",
      username: "admin",
      token_type: "Bearer",
      exp: claims.exp,
      iat: claims.iat,
      nbf: claims.nbf,
      sub: claims.sub,
      aud: "https://wlcg.cern.ch/jwt/v1/any",
      iss: server.url,
      jti: claims.jti,
      "wlcg.groups": [],
    });
  });

  test("any confidential client may introspect an access token; the hint does not matter", async () => {
    const tokens = await login("openid");
    const viaOther = await introspectAs(tokens.access_token, {
      ...otherForm(),
      token_type_hint: "refresh_token",
    });
    expect(viaOther.body).toMatchObject({ active: true, client_id: "rp", username: "admin" });
    expect(viaOther.body["wlcg.groups"]).toBeUndefined();
  });

  test("a client-credentials token has the client as subject and no username", async () => {
    const { body: issued } = await postForm(
      `${server.url}/token`,
      { grant_type: "client_credentials", scope: "compute.read" },
      { authorization: basicAuth(other.clientId, other.secret) },
    );
    const { body } = await introspect(issued.access_token as string);
    expect(body).toMatchObject({ active: true, sub: "other", client_id: "other", scope: "compute.read" });
    expect(body.username).toBeUndefined();
  });

  test("a refresh token is active for its own client only", async () => {
    const tokens = await login();
    const admin = await server.tessera.services.accounts.findByUsername("admin");
    const own = await introspect(tokens.refresh_token, asRp(), { token_type_hint: "access_token" });
    const now = Math.floor(server.clock.now() / 1000);
    expect(own.body).toEqual({
      active: true,
      scope: "openid profile email offline_access wlcg.groups storage.read:/data",
      client_id: "rp",
      username: "admin",
      token_type: "refresh_token",
      exp: now + 10 * 86_400,
      iat: now,
      sub: admin?.id,
    });
    expect((await introspectAs(tokens.refresh_token, otherForm())).body).toEqual({ active: false });
  });

  test("a rotated (spent) refresh token is inactive", async () => {
    const tokens = await login();
    const rotated = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      asRp(),
    );
    expect(rotated.status).toBe(200);
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(rotated.body.refresh_token as string)).body.active).toBe(true);
  });

  test("garbage, ID tokens, forged and foreign tokens are inactive, never errors", async () => {
    const tokens = await login();
    const kid = decodeProtectedHeader(tokens.access_token).kid as string;
    const foreign = await generateKeyPair("RS256");
    const forged = await new SignJWT(decodeJwt(tokens.access_token))
      .setProtectedHeader({ alg: "RS256", kid, typ: "at+jwt" })
      .sign(foreign.privateKey);
    const [header, payload] = tokens.access_token.split(".");
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt", kid })).toString("base64url")}.${payload}.`;
    const resigned = `${header}.${Buffer.from(JSON.stringify({ ...decodeJwt(tokens.access_token), scope: "storage.modify:/" })).toString("base64url")}.${tokens.access_token.split(".")[2]}`;
    const cases = [
      "garbage",
      "a.b.c",
      "x".repeat(20_000),
      tokens.id_token,
      forged,
      unsigned,
      resigned,
      await ownSigned({ ...accessClaims(), iss: "https://elsewhere.example.org" }),
      await ownSigned(accessClaims(), "JWT"),
      await ownSigned({ ...accessClaims(), client_id: undefined }),
      await ownSigned({ ...accessClaims(), nbf: accessClaims().iat + 300 }),
    ];
    for (const token of cases) {
      const { status, body } = await introspect(token);
      expect(status, token.slice(0, 40)).toBe(200);
      expect(body, token.slice(0, 40)).toEqual({ active: false });
    }
    // The same claims signed with our key are active: the cases above fail for the reason named.
    expect((await introspect(await ownSigned(accessClaims()))).body.active).toBe(true);
  });

  test("an expired access token is inactive", async () => {
    const tokens = await login();
    server.clock.advance(1199_000);
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
    server.clock.advance(1_000);
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
  });

  test("an expired refresh token is inactive", async () => {
    const tokens = await login();
    server.clock.advance(10 * 86_400_000);
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
  });

  test("a suspended account's tokens become inactive, and active again on reinstatement", async () => {
    const accounts = server.tessera.services.accounts;
    const user = await accounts.create({
      username: "sam",
      name: "Sam",
      email: "sam@example.org",
      password: "a long enough password",
    });
    const tokens = await login("openid profile offline_access", {
      username: "sam",
      password: "a long enough password",
    });
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
    await accounts.setStatus(user.id, "suspended");
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    expect((await userinfo({ bearer: tokens.access_token })).status).toBe(401);
    await accounts.setStatus(user.id, "active");
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
  });

  test("the caller must be an authenticated confidential client", async () => {
    const tokens = await login("openid");
    const anonymous = await postForm(`${server.url}/introspect`, { token: tokens.access_token });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toBe("invalid_client");
    const wrong = await introspect(tokens.access_token, { authorization: basicAuth(rp.clientId, "nope") });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="tessera"');
    const publicClient = await introspectAs(tokens.access_token, { client_id: cli.clientId });
    expect(publicClient.status).toBe(401);
    expect(publicClient.body.error).toBe("invalid_client");
    expect(JSON.stringify(publicClient.body)).not.toContain("active");
  });

  test("malformed requests are invalid_request", async () => {
    const missing = await postForm(`${server.url}/introspect`, {}, asRp());
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_request");
    const repeated = await postForm(`${server.url}/introspect`, { token: ["a", "b"] }, asRp());
    expect(repeated.body.error).toBe("invalid_request");
    const json = await fetch(`${server.url}/introspect`, {
      method: "POST",
      headers: { "content-type": "application/json", ...asRp() },
      body: JSON.stringify({ token: "x" }),
    });
    expect(json.status).toBe(400);
  });
});

describe("revocation", () => {
  test("revoking a refresh token ends its whole family", async () => {
    const tokens = await login();
    const rotated = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: tokens.refresh_token },
      asRp(),
    );
    const latest = rotated.body.refresh_token as string;
    // Revoking the spent ancestor takes the live successor with it.
    const response = await revoke(tokens.refresh_token, asRp(), { token_type_hint: "refresh_token" });
    expect(response.status).toBe(200);
    expect(response.text).toBe("");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect((await introspect(latest)).body).toEqual({ active: false });
    const refreshed = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: latest },
      asRp(),
    );
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe("invalid_grant");
  });

  test("revoking an access token makes it inactive and refused at userinfo", async () => {
    const tokens = await login();
    expect((await userinfo({ bearer: tokens.access_token })).status).toBe(200);
    expect((await revoke(tokens.access_token)).status).toBe(200);
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    const after = await userinfo({ bearer: tokens.access_token });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toMatch(/^Bearer realm="tessera", error="invalid_token"/);
    // The refresh token of the same grant is untouched.
    expect((await introspect(tokens.refresh_token)).body.active).toBe(true);
    // Revoking twice is still 200.
    expect((await revoke(tokens.access_token)).status).toBe(200);
  });

  test("another client's tokens and unknown tokens: 200, nothing revoked", async () => {
    const tokens = await login();
    const viaOther = (token: string) =>
      fetch(`${server.url}/revoke`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token, ...otherForm() }).toString(),
      });
    expect((await viaOther(tokens.access_token)).status).toBe(200);
    expect((await viaOther(tokens.refresh_token)).status).toBe(200);
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
    expect((await introspect(tokens.refresh_token)).body.active).toBe(true);
    for (const token of ["garbage", "a.b.c", tokens.id_token]) {
      const response = await revoke(token);
      expect(response.status).toBe(200);
      expect(response.text).toBe("");
    }
  });

  test("a public client revokes its own tokens by client_id", async () => {
    const services = server.tessera.services;
    const client = await services.clients.find(cli.clientId);
    const admin = await services.accounts.findByUsername("admin");
    if (!client || !admin) throw new Error("fixtures missing");
    const { passwordHash: _secret, ...account } = admin;
    const issued = await services.tokenIssuer.issue({
      client,
      account,
      scope: ["openid", "offline_access"],
      audiences: [],
    });
    const asCli = { client_id: cli.clientId };
    expect((await revoke(issued.refresh_token as string, {}, asCli)).status).toBe(200);
    expect((await revoke(issued.access_token, {}, asCli)).status).toBe(200);
    expect((await userinfo({ bearer: issued.access_token })).status).toBe(401);
    const refreshed = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      refresh_token: issued.refresh_token as string,
      ...asCli,
    });
    expect(refreshed.body.error).toBe("invalid_grant");
  });

  test("client authentication is required; the token parameter too", async () => {
    const tokens = await login("openid");
    const anonymous = await revoke(tokens.access_token, {});
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text).error).toBe("invalid_client");
    const wrong = await revoke(tokens.access_token, { authorization: basicAuth(rp.clientId, "nope") });
    expect(wrong.status).toBe(401);
    expect((await introspect(tokens.access_token)).body.active).toBe(true);
    const missing = await postForm(`${server.url}/revoke`, {}, asRp());
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe("invalid_request");
  });
});

describe("userinfo", () => {
  test("returns the claims the token's scope allows, never cached", async () => {
    const admin = await server.tessera.services.accounts.findByUsername("admin");
    const full = await login("openid profile email wlcg.groups");
    const { status, headers, body } = await userinfo({ bearer: full.access_token });
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(body).toEqual({
      sub: admin?.id,
      name: "Administrator",
      preferred_username: "admin",
      organisation_name: "tessera",
      groups: [],
      email: "admin@localhost",
      email_verified: true,
      "wlcg.groups": [],
    });
    const bare = await login("openid");
    expect((await userinfo({ bearer: bare.access_token })).body).toEqual({ sub: admin?.id });
    const email = await login("openid email");
    expect((await userinfo({ bearer: email.access_token })).body).toEqual({
      sub: admin?.id,
      email: "admin@localhost",
      email_verified: true,
    });
  });

  test("POST with the header or with the access_token form parameter", async () => {
    const tokens = await login("openid profile");
    const viaHeader = await userinfo({ bearer: tokens.access_token, method: "POST" });
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body.preferred_username).toBe("admin");
    const viaForm = await userinfo({ method: "POST", form: { access_token: tokens.access_token } });
    expect(viaForm.status).toBe(200);
    expect(viaForm.body.preferred_username).toBe("admin");
    const lowerCaseScheme = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: `bearer ${tokens.access_token}` },
    });
    expect(lowerCaseScheme.status).toBe(200);
  });

  test("a missing token gets a bare challenge", async () => {
    for (const response of [
      await userinfo({}),
      await userinfo({ method: "POST" }),
      await fetch(`${server.url}/userinfo`, {
        headers: { authorization: basicAuth(rp.clientId, rp.secret) },
      }),
    ]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    }
  });

  test("an invalid, expired or foreign token is invalid_token", async () => {
    const tokens = await login("openid");
    const expiredSoon = await login("openid");
    const cases = [
      "garbage",
      tokens.id_token,
      await ownSigned({ ...accessClaims(), iss: "https://elsewhere.example.org" }),
    ];
    for (const token of cases) {
      const { status, headers, body } = await userinfo({ bearer: token });
      expect(status).toBe(401);
      expect(body.error).toBe("invalid_token");
      expect(headers.get("www-authenticate")).toMatch(
        /^Bearer realm="tessera", error="invalid_token", error_description="[^"]+"$/,
      );
    }
    server.clock.advance(1200_000);
    expect((await userinfo({ bearer: expiredSoon.access_token })).status).toBe(401);
  });

  test("a token without openid is insufficient_scope (403)", async () => {
    const tokens = await login("profile storage.read:/data");
    const { status, headers, body } = await userinfo({ bearer: tokens.access_token });
    expect(status).toBe(403);
    expect(body.error).toBe("insufficient_scope");
    expect(headers.get("www-authenticate")).toMatch(
      /^Bearer realm="tessera", error="insufficient_scope", error_description="[^"]+", scope="openid"$/,
    );
  });

  test("a client's own token has no user behind it", async () => {
    // Client credentials never grant openid; a token claiming it for the client itself still fails.
    const { status, body } = await userinfo({ bearer: await ownSigned(accessClaims()) });
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_token");
  });

  test("a token in the query string is refused, and so is a token sent two ways", async () => {
    const tokens = await login("openid");
    const query = await userinfo({ query: `?access_token=${tokens.access_token}` });
    expect(query.status).toBe(400);
    expect(query.body.error).toBe("invalid_request");
    expect(query.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    const queryWithHeader = await userinfo({
      bearer: tokens.access_token,
      query: `?access_token=${tokens.access_token}`,
    });
    expect(queryWithHeader.status).toBe(400);
    const twoWays = await userinfo({
      bearer: tokens.access_token,
      method: "POST",
      form: { access_token: tokens.access_token },
    });
    expect(twoWays.status).toBe(400);
    expect(twoWays.body.error).toBe("invalid_request");
    const malformed = await fetch(`${server.url}/userinfo`, {
      headers: { authorization: "Bearer two words" },
    });
    expect(malformed.status).toBe(400);
  });
});
