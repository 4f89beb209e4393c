import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hashSecret } from "../src/domain/secrets/random-secret.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdefghijklmnop";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

/** Exactly what `tessera login` sends (packages/cli). */
const CLI_REGISTRATION = {
  client_name: "tessera-cli",
  application_type: "native",
  token_endpoint_auth_method: "none",
  grant_types: [DEVICE_GRANT, "refresh_token"],
  response_types: [],
  redirect_uris: [],
};

/** What oidc-agent's `oidc-gen` sends for the authorization code flow. */
const OIDC_AGENT_REGISTRATION = {
  client_name: "oidc-agent:tessera-test",
  application_type: "web",
  redirect_uris: ["http://localhost:8080", "edu.kit.data.oidc-agent:/redirect"],
  grant_types: ["refresh_token", "authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
  scope: "openid profile offline_access",
};

type Reply = { status: number; headers: Headers; body: Record<string, unknown> };

async function call(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  raw?: string,
): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers:
      body !== undefined || raw !== undefined ? { "content-type": "application/json", ...headers } : headers,
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

let server: TestServer;
let closed: TestServer;
const register = (body: unknown, headers: Record<string, string> = {}) =>
  call(`${server.url}/register`, "POST", body, headers);

beforeAll(async () => {
  [server, closed] = await Promise.all([
    // Dozens of registrations from one address in one frozen minute: no per-IP request limit here.
    startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP, TESSERA_RATE_LIMIT_REGISTER_PER_IP: "0" }),
    startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP, TESSERA_REGISTRATION_OPEN: "false" }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), closed?.close()]);
});

describe("discovery", () => {
  test("advertises the registration endpoint", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.registration_endpoint).toBe(`${server.url}/register`);
  });
});

describe("open registration by real clients", () => {
  test("the tessera CLI registers as a public device-flow client and can start a device flow", async () => {
    const { status, headers, body } = await register(CLI_REGISTRATION);
    expect(status).toBe(201);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({
      client_name: "tessera-cli",
      application_type: "native",
      token_endpoint_auth_method: "none",
      grant_types: [DEVICE_GRANT, "refresh_token"],
      response_types: [],
      redirect_uris: [],
      scope: "openid profile email offline_access wlcg wlcg.groups",
      client_id_issued_at: Math.floor(server.clock.now() / 1000),
    });
    expect(body.client_id).toEqual(expect.any(String));
    expect(body.client_secret).toBeUndefined();
    expect(body.client_secret_expires_at).toBeUndefined();
    expect(body.registration_access_token).toEqual(expect.any(String));
    expect(body.registration_client_uri).toBe(`${server.url}/register/${body.client_id}`);

    const device = await postForm(`${server.url}/devicecode`, {
      client_id: body.client_id as string,
      scope: "openid offline_access",
    });
    expect(device.status).toBe(200);
    expect(device.body).toMatchObject({ device_code: expect.any(String), user_code: expect.any(String) });
  });

  test("oidc-agent registers a confidential web client whose secret works at /token", async () => {
    const { status, body } = await register(OIDC_AGENT_REGISTRATION);
    expect(status).toBe(201);
    expect(body).toMatchObject({
      application_type: "web",
      redirect_uris: OIDC_AGENT_REGISTRATION.redirect_uris,
      grant_types: ["refresh_token", "authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile offline_access",
      client_secret_expires_at: 0,
    });
    expect(body.client_secret).toEqual(expect.any(String));
    const token = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: "not-a-refresh-token" },
      { authorization: basicAuth(body.client_id as string, body.client_secret as string) },
    );
    expect(token.body.error).toBe("invalid_grant");
    const wrong = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: "not-a-refresh-token" },
      { authorization: basicAuth(body.client_id as string, "wrong secret") },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
  });

  test("defaults (RFC 7591 §2): authorization_code, client_secret_basic, web, the open scopes", async () => {
    const { status, body } = await register({ redirect_uris: ["https://app.example/cb"] });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      client_name: "unnamed client",
      application_type: "web",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile email offline_access wlcg wlcg.groups",
    });
    expect(body.client_secret).toEqual(expect.any(String));
  });

  test("unknown fields are ignored; informational https URLs are echoed", async () => {
    const { status, body } = await register({
      ...CLI_REGISTRATION,
      software_statement_extra: { nested: true },
      client_uri: "https://tool.example/",
      logo_uri: "https://tool.example/logo.png",
      contacts: ["ops@tool.example"],
    });
    expect(status).toBe(201);
    expect(body.software_statement_extra).toBeUndefined();
    expect(body).toMatchObject({
      client_uri: "https://tool.example/",
      logo_uri: "https://tool.example/logo.png",
      contacts: ["ops@tool.example"],
    });
  });

  test("group scopes are open; wlcg:1.0 is stored in canonical form", async () => {
    const { status, body } = await register({
      ...CLI_REGISTRATION,
      scope: "openid wlcg:1.0 wlcg.groups:/cms",
    });
    expect(status).toBe(201);
    expect(body.scope).toBe("openid wlcg wlcg.groups:/cms");
  });

  test("private_key_jwt with an inline public JWK Set", async () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = publicKey.export({ format: "jwk" });
    const { status, body } = await register({
      ...CLI_REGISTRATION,
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "ES256",
      jwks: { keys: [{ ...jwk, kid: "k1", use: "sig" }] },
    });
    expect(status).toBe(201);
    expect(body.client_secret).toBeUndefined();
    expect(body.jwks).toEqual({ keys: [{ ...jwk, kid: "k1", use: "sig" }] });
    expect(body.token_endpoint_auth_signing_alg).toBe("ES256");
  });
});

describe("invalid metadata (RFC 7591 §3.2.2)", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const privateJwk = privateKey.export({ format: "jwk" });
  const web = (redirect: unknown) => ({ ...OIDC_AGENT_REGISTRATION, redirect_uris: redirect });

  test.each([
    ["a fragment", web(["https://app.example/cb#frag"])],
    ["javascript:", web(["javascript:alert(1)"])],
    ["data:", web(["data:text/html,hi"])],
    ["http off loopback", web(["http://app.example/cb"])],
    ["a relative URI", web(["/cb"])],
    ["userinfo", web(["https://good.example@evil.example/cb"])],
    ["a wildcard", web(["https://*.example/cb"])],
    ["not a list", web("https://app.example/cb")],
    ["a number in the list", web([42])],
    ["no redirect URI with authorization_code", web([])],
    ["no redirect_uris at all by default", { client_name: "x" }],
  ])("redirect URIs: %s → invalid_redirect_uri", async (_name, metadata) => {
    const { status, headers, body } = await register(metadata);
    expect(status).toBe(400);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body.error).toBe("invalid_redirect_uri");
    expect(body.error_description).toEqual(expect.any(String));
  });

  test.each([
    ["password without the bootstrap token", { ...CLI_REGISTRATION, grant_types: ["password"] }],
    [
      "client_credentials without the bootstrap token",
      {
        ...CLI_REGISTRATION,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials"],
      },
    ],
    ["an unsupported grant", { ...CLI_REGISTRATION, grant_types: ["implicit"] }],
    ["empty grant_types", { ...CLI_REGISTRATION, grant_types: [] }],
    ["a storage scope without the token", { ...CLI_REGISTRATION, scope: "openid storage.read:/cms" }],
    ["a compute scope without the token", { ...CLI_REGISTRATION, scope: "compute.create" }],
    ["a scope outside the open set", { ...CLI_REGISTRATION, scope: "openid admin" }],
    ["a malformed storage scope", { ...CLI_REGISTRATION, scope: "storage.read" }],
    ["an unknown WLCG version", { ...CLI_REGISTRATION, scope: "wlcg:2.0" }],
    ["a bad group name", { ...CLI_REGISTRATION, scope: "wlcg.groups:cms" }],
    ["private_key_jwt without jwks", { ...CLI_REGISTRATION, token_endpoint_auth_method: "private_key_jwt" }],
    [
      "private_key_jwt with a private key",
      { ...CLI_REGISTRATION, token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [privateJwk] } },
    ],
    [
      "a symmetric key",
      {
        ...CLI_REGISTRATION,
        token_endpoint_auth_method: "private_key_jwt",
        jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] },
      },
    ],
    [
      "jwks_uri",
      {
        ...CLI_REGISTRATION,
        token_endpoint_auth_method: "private_key_jwt",
        jwks_uri: "https://a.example/jwks",
      },
    ],
    ["jwks that is not a JWK Set", { ...CLI_REGISTRATION, jwks: [{ kty: "EC" }] }],
    ["an unknown auth method", { ...CLI_REGISTRATION, token_endpoint_auth_method: "client_secret_jwt" }],
    ["response type token", { ...OIDC_AGENT_REGISTRATION, response_types: ["code", "token"] }],
    ["code without authorization_code", { ...CLI_REGISTRATION, response_types: ["code"] }],
    ["authorization_code without code", { ...OIDC_AGENT_REGISTRATION, response_types: [] }],
    ["application_type other", { ...CLI_REGISTRATION, application_type: "desktop" }],
    ["client_name too long", { ...CLI_REGISTRATION, client_name: "x".repeat(257) }],
    ["client_name with a control character", { ...CLI_REGISTRATION, client_name: "a\u0000b" }],
    ["client_name a number", { ...CLI_REGISTRATION, client_name: 7 }],
    ["grant_types a string", { ...CLI_REGISTRATION, grant_types: "refresh_token" }],
    ["scope a list", { ...CLI_REGISTRATION, scope: ["openid"] }],
    ["token_endpoint_auth_method a list", { ...CLI_REGISTRATION, token_endpoint_auth_method: ["none"] }],
    ["an http logo_uri", { ...CLI_REGISTRATION, logo_uri: "http://tool.example/logo.png" }],
    ["a JSON array body", [CLI_REGISTRATION]],
    ["a JSON string body", "tessera-cli"],
    ["a JSON null body", null],
  ])("%s → invalid_client_metadata", async (_name, metadata) => {
    const { status, body } = await register(metadata);
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_client_metadata");
  });

  test.each([
    ["broken JSON", "application/json", "{not json"],
    ["a form body", "application/x-www-form-urlencoded", "client_name=x&grant_types=refresh_token"],
    ["text", "text/plain", JSON.stringify(CLI_REGISTRATION)],
    ["an empty body", "application/json", ""],
  ])("a non-JSON request (%s) → invalid_client_metadata", async (_name, type, raw) => {
    const response = await fetch(`${server.url}/register`, {
      method: "POST",
      headers: { "content-type": type },
      body: raw,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_client_metadata" });
  });

  test("a body over 64 KiB is refused", async () => {
    const { status } = await register({ ...CLI_REGISTRATION, padding: "x".repeat(70 * 1024) });
    expect(status).toBe(413);
  });

  test("nothing was stored by refused registrations", async () => {
    const before = await server.tessera.store.db.selectFrom("clients").select("client_id").execute();
    await register({ ...CLI_REGISTRATION, grant_types: ["password"] });
    const after = await server.tessera.store.db.selectFrom("clients").select("client_id").execute();
    expect(after.length).toBe(before.length);
  });
});

describe("the initial access token (TESSERA_BOOTSTRAP_TOKEN)", () => {
  test("allows password and client_credentials and parametric scopes", async () => {
    const { status, body } = await register(
      {
        client_name: "Rucio",
        token_endpoint_auth_method: "client_secret_post",
        grant_types: ["client_credentials", "password", "refresh_token"],
        response_types: [],
        scope: "storage.read:/cms storage.modify:/cms/store/user compute.create openid",
      },
      bearer(BOOTSTRAP),
    );
    expect(status).toBe(201);
    expect(body).toMatchObject({
      grant_types: ["client_credentials", "password", "refresh_token"],
      scope: "storage.read:/cms storage.modify:/cms/store/user compute.create openid",
    });
    const token = await postForm(`${server.url}/token`, {
      grant_type: "client_credentials",
      client_id: body.client_id as string,
      client_secret: body.client_secret as string,
      scope: "storage.read:/cms/data",
    });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe("storage.read:/cms/data");
  });

  test("the bootstrap token still cannot make a public client_credentials client", async () => {
    const { status, body } = await register(
      { ...CLI_REGISTRATION, grant_types: ["client_credentials"] },
      bearer(BOOTSTRAP),
    );
    expect(status).toBe(400);
    expect(body.error).toBe("invalid_client_metadata");
  });

  test("a wrong initial access token is refused even while registration is open", async () => {
    const { status, headers, body } = await register(CLI_REGISTRATION, bearer(`${BOOTSTRAP}x`));
    expect(status).toBe(401);
    expect(body.error).toBe("invalid_token");
    expect(headers.get("www-authenticate")).toBe('Bearer realm="tessera", error="invalid_token"');
  });

  test("closed registration refuses without the token and accepts with it", async () => {
    const url = `${closed.url}/register`;
    const none = await call(url, "POST", CLI_REGISTRATION);
    expect(none.status).toBe(401);
    expect(none.body.error).toBe("invalid_token");
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    const wrong = await call(url, "POST", CLI_REGISTRATION, bearer("not-the-bootstrap-token"));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_token");
    const basic = await call(url, "POST", CLI_REGISTRATION, { authorization: basicAuth("a", "b") });
    expect(basic.status).toBe(401);
    const right = await call(url, "POST", CLI_REGISTRATION, bearer(BOOTSTRAP));
    expect(right.status).toBe(201);
    expect(right.body.client_id).toEqual(expect.any(String));
  });
});

describe("client configuration (RFC 7592)", () => {
  async function registered(metadata: Record<string, unknown> = OIDC_AGENT_REGISTRATION) {
    const { body } = await register(metadata);
    return {
      clientId: body.client_id as string,
      secret: body.client_secret as string | undefined,
      token: body.registration_access_token as string,
      uri: body.registration_client_uri as string,
    };
  }

  test("read returns the metadata without the secret", async () => {
    const c = await registered();
    const { status, headers, body } = await call(c.uri, "GET", undefined, bearer(c.token));
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({
      client_id: c.clientId,
      client_name: OIDC_AGENT_REGISTRATION.client_name,
      redirect_uris: OIDC_AGENT_REGISTRATION.redirect_uris,
      grant_types: OIDC_AGENT_REGISTRATION.grant_types,
      response_types: ["code"],
      scope: "openid profile offline_access",
      token_endpoint_auth_method: "client_secret_basic",
      client_secret_expires_at: 0,
      registration_access_token: c.token,
      registration_client_uri: c.uri,
    });
    expect(body.client_secret).toBeUndefined();
  });

  test("wrong, missing or foreign tokens and unknown clients all get the same 401", async () => {
    const a = await registered();
    const b = await registered(CLI_REGISTRATION);
    const cases: [string, Record<string, string>][] = [
      [a.uri, {}],
      [a.uri, bearer(`${a.token}x`)],
      [a.uri, bearer(b.token)],
      [a.uri, bearer(BOOTSTRAP)],
      [a.uri, { authorization: basicAuth(a.clientId, a.secret as string) }],
      [`${server.url}/register/no-such-client`, bearer(a.token)],
    ];
    for (const [uri, headers] of cases) {
      for (const method of ["GET", "PUT", "DELETE"]) {
        const reply = await call(
          uri,
          method,
          method === "PUT" ? { ...OIDC_AGENT_REGISTRATION, client_id: a.clientId } : undefined,
          headers,
        );
        expect(reply.status, `${method} ${uri} ${JSON.stringify(headers)}`).toBe(401);
        expect(reply.body).toEqual({ error: "invalid_token", error_description: "not authorized" });
      }
    }
    // Nothing changed.
    expect((await call(a.uri, "GET", undefined, bearer(a.token))).status).toBe(200);
  });

  test("update replaces the metadata, keeps the secret, and validates like registration", async () => {
    const c = await registered();
    const update = {
      ...OIDC_AGENT_REGISTRATION,
      client_id: c.clientId,
      client_name: "renamed",
      redirect_uris: ["http://127.0.0.1:4242/cb"],
      grant_types: ["refresh_token", DEVICE_GRANT],
      response_types: [],
      token_endpoint_auth_method: "client_secret_post",
      registration_access_token: "ignored",
    };
    const { status, body } = await call(c.uri, "PUT", update, bearer(c.token));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      client_id: c.clientId,
      client_name: "renamed",
      redirect_uris: ["http://127.0.0.1:4242/cb"],
      grant_types: ["refresh_token", DEVICE_GRANT],
      response_types: [],
      token_endpoint_auth_method: "client_secret_post",
      registration_access_token: c.token,
    });
    expect(body.client_secret).toBeUndefined();
    // The old secret still authenticates, now in the body.
    const token = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      refresh_token: "nope",
      client_id: c.clientId,
      client_secret: c.secret as string,
    });
    expect(token.body.error).toBe("invalid_grant");
    const read = await call(c.uri, "GET", undefined, bearer(c.token));
    expect(read.body.client_name).toBe("renamed");

    const mismatch = await call(c.uri, "PUT", { ...update, client_id: "other" }, bearer(c.token));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toBe("invalid_client_metadata");
    const missingId = await call(c.uri, "PUT", { ...update, client_id: undefined }, bearer(c.token));
    expect(missingId.body.error).toBe("invalid_client_metadata");
    const wrongSecret = await call(c.uri, "PUT", { ...update, client_secret: "wrong" }, bearer(c.token));
    expect(wrongSecret.body.error).toBe("invalid_client_metadata");
    const rightSecret = await call(c.uri, "PUT", { ...update, client_secret: c.secret }, bearer(c.token));
    expect(rightSecret.status).toBe(200);
    const password = await call(c.uri, "PUT", { ...update, grant_types: ["password"] }, bearer(c.token));
    expect(password.body.error).toBe("invalid_client_metadata");
    const badUri = await call(
      c.uri,
      "PUT",
      { ...update, redirect_uris: ["http://evil.example/"] },
      bearer(c.token),
    );
    expect(badUri.body.error).toBe("invalid_redirect_uri");
    const broken = await fetch(c.uri, {
      method: "PUT",
      headers: { "content-type": "application/json", ...bearer(c.token) },
      body: "{",
    });
    expect(broken.status).toBe(400);
  });

  test("a secret is issued only when the method changes to a secret one", async () => {
    const c = await registered(CLI_REGISTRATION);
    expect(c.secret).toBeUndefined();
    const update = {
      ...CLI_REGISTRATION,
      client_id: c.clientId,
      token_endpoint_auth_method: "client_secret_basic",
    };
    const { status, body } = await call(c.uri, "PUT", update, bearer(c.token));
    expect(status).toBe(200);
    expect(body.client_secret).toEqual(expect.any(String));
    expect(body.client_secret_expires_at).toBe(0);
    const device = await postForm(
      `${server.url}/devicecode`,
      {},
      { authorization: basicAuth(c.clientId, body.client_secret as string) },
    );
    expect(device.status).toBe(200);
    const again = await call(c.uri, "PUT", update, bearer(c.token));
    expect(again.body.client_secret).toBeUndefined();
    // Back to public: the secret is gone.
    const back = await call(c.uri, "PUT", { ...CLI_REGISTRATION, client_id: c.clientId }, bearer(c.token));
    expect(back.status).toBe(200);
    const row = await server.tessera.store.db
      .selectFrom("clients")
      .select("secret_hash")
      .where("client_id", "=", c.clientId)
      .executeTakeFirstOrThrow();
    expect(row.secret_hash).toBeNull();
  });

  test("a client registered with the bootstrap token keeps its privileged grants on update", async () => {
    const { body } = await register(
      {
        client_name: "service",
        grant_types: ["client_credentials"],
        response_types: [],
        scope: "storage.read:/cms",
      },
      bearer(BOOTSTRAP),
    );
    const uri = body.registration_client_uri as string;
    const token = body.registration_access_token as string;
    const base = { client_id: body.client_id, grant_types: ["client_credentials"], response_types: [] };
    const keep = await call(uri, "PUT", { ...base, scope: "storage.read:/cms/data" }, bearer(token));
    expect(keep.status).toBe(200);
    expect(keep.body.scope).toBe("storage.read:/cms/data");
    const widen = await call(uri, "PUT", { ...base, scope: "storage.read:/" }, bearer(token));
    expect(widen.status).toBe(400);
    expect(widen.body.error).toBe("invalid_client_metadata");
  });

  test("delete removes the client; its token and credentials stop working", async () => {
    const c = await registered();
    const deleted = await fetch(c.uri, { method: "DELETE", headers: bearer(c.token) });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe("");
    expect((await call(c.uri, "GET", undefined, bearer(c.token))).status).toBe(401);
    const token = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: "nope" },
      { authorization: basicAuth(c.clientId, c.secret as string) },
    );
    expect(token.body.error).toBe("invalid_client");
    const row = await server.tessera.store.db
      .selectFrom("clients")
      .select("client_id")
      .where("client_id", "=", c.clientId)
      .executeTakeFirst();
    expect(row).toBeUndefined();
  });
});

describe("storage", () => {
  test("no client secret or registration token is stored in clear", async () => {
    const { body } = await register(OIDC_AGENT_REGISTRATION);
    const secret = body.client_secret as string;
    const token = body.registration_access_token as string;
    const row = await server.tessera.store.db
      .selectFrom("clients")
      .selectAll()
      .where("client_id", "=", body.client_id as string)
      .executeTakeFirstOrThrow();
    const dump = JSON.stringify(row);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(token);
    expect(row.secret_hash).toBe(hashSecret(secret));
    expect(row.registration_token_hash).toBe(hashSecret(token));
    const all = JSON.stringify(await server.tessera.store.db.selectFrom("clients").selectAll().execute());
    expect(all).not.toContain(secret);
    expect(all).not.toContain(token);
  });
});
