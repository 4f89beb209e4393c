import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });
});
afterAll(() => server.close());

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${BOOTSTRAP}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Record<string, unknown>,
  };
}

const SERVICE = {
  client_name: "FTS",
  grant_types: ["client_credentials"],
  token_endpoint_auth_method: "client_secret_basic",
  scope: "storage.read:/cms storage.modify:/cms/store",
  audiences: ["fts", "https://dcache.example.org"],
  access_token_lifetime: 600,
};

describe("REST API authentication", () => {
  test("no credentials: 401 problem JSON with a Bearer challenge", async () => {
    const response = await fetch(`${server.url}/api/v1/clients`);
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    expect(await response.json()).toMatchObject({ status: 401, code: "unauthenticated" });
  });

  test("a wrong bearer is invalid_token; the bootstrap token is an administrator", async () => {
    expect((await api("GET", "/me", undefined, { authorization: "Bearer nope" })).body).toMatchObject({
      code: "invalid_token",
    });
    expect((await api("GET", "/me")).body).toEqual({ via: "bootstrap", account: null, scopes: null });
  });

  test("a signed-in administrator uses the API with the CSRF header for changes; others are refused", async () => {
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const me = await browser.request("/api/v1/me", { headers: { accept: "application/json" } });
    expect(((await me.json()) as { account: { is_admin: boolean } }).account.is_admin).toBe(true);
    const post = (headers: Record<string, string>) =>
      browser.request("/api/v1/clients", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: JSON.stringify({ ...SERVICE, client_name: "via session" }),
      });
    expect((await post({})).status).toBe(403);
    const csrf = await browser.csrfFrom("/");
    expect((await post({ "x-csrf-token": csrf, origin: "https://evil.example" })).status).toBe(403);
    expect((await post({ "x-csrf-token": csrf })).status).toBe(201);

    await server.tessera.services.accounts.create({
      username: "ursula",
      name: "U",
      email: "u@example.org",
      password: "a long enough password",
    });
    const user = createBrowser(server.url);
    await user.login("ursula", "a long enough password");
    const refused = await user.request("/api/v1/clients", { headers: { accept: "application/json" } });
    expect(refused.status).toBe(403);
  });

  test("an administrator's access token needs iam:admin.read / iam:admin.write", async () => {
    const { body: cli } = await api("POST", "/clients", {
      client_name: "admin cli",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid iam:admin.read iam:admin.write",
    });
    const token = async (scope: string) =>
      (
        await postForm(`${server.url}/token`, {
          grant_type: "password",
          client_id: cli.client_id as string,
          client_secret: cli.client_secret as string,
          username: "admin",
          password: ADMIN_PASSWORD,
          scope,
        })
      ).body.access_token as string;
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const plain = await token("openid");
    expect((await api("GET", "/clients", undefined, bearer(plain))).body).toMatchObject({
      status: 403,
      code: "insufficient_scope",
    });
    const reader = await token("openid iam:admin.read");
    expect((await api("GET", "/clients", undefined, bearer(reader))).status).toBe(200);
    expect((await api("POST", "/clients", SERVICE, bearer(reader))).status).toBe(403);
    const writer = await token("openid iam:admin.write");
    expect((await api("POST", "/clients", SERVICE, bearer(writer))).status).toBe(201);
  });
});

describe("clients", () => {
  test("create, read, list with cursor, replace, rotate the secret, delete", async () => {
    const created = await api("POST", "/clients", { ...SERVICE, client_id: "fts-prod" });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.body).toMatchObject({
      client_id: "fts-prod",
      audiences: ["fts", "https://dcache.example.org"],
      access_token_lifetime: 600,
    });
    const secret = created.body.client_secret as string;

    const issued = await postForm(
      `${server.url}/token`,
      { grant_type: "client_credentials", audience: "fts" },
      { authorization: basicAuth("fts-prod", secret) },
    );
    expect(issued.body.expires_in).toBe(600);

    const read = await api("GET", "/clients/fts-prod");
    expect(read.body.client_secret).toBeUndefined();
    expect(read.body.scope).toBe("storage.read:/cms storage.modify:/cms/store");

    for (let i = 0; i < 3; i++) await api("POST", "/clients", { ...SERVICE, client_name: `bulk ${i}` });
    const first = await api("GET", "/clients?limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const second = await api(
      "GET",
      `/clients?limit=2&after=${encodeURIComponent(first.body.next as string)}`,
    );
    const ids = [
      ...(first.body.items as { client_id: string }[]),
      ...(second.body.items as { client_id: string }[]),
    ].map((c) => c.client_id);
    expect(new Set(ids).size).toBe(ids.length);

    const replaced = await api("PUT", "/clients/fts-prod", { ...SERVICE, scope: "storage.read:/cms" });
    expect(replaced.body.scope).toBe("storage.read:/cms");
    // Regression: a replacement kept the old post_logout_redirect_uris whatever the body said.
    const web = await api("POST", "/clients", {
      client_name: "portal",
      redirect_uris: ["https://portal.example.org/cb"],
      post_logout_redirect_uris: ["https://portal.example.org/bye"],
    });
    const webId = web.body.client_id as string;
    const edited = await api("PUT", `/clients/${webId}`, {
      client_name: "portal",
      redirect_uris: ["https://portal.example.org/cb"],
      post_logout_redirect_uris: ["https://portal.example.org/later"],
    });
    expect(edited.body.post_logout_redirect_uris).toEqual(["https://portal.example.org/later"]);
    expect((await api("GET", `/clients/${webId}`)).body.post_logout_redirect_uris).toEqual([
      "https://portal.example.org/later",
    ]);

    const rotated = await api("POST", "/clients/fts-prod/secret");
    const fresh = rotated.body.client_secret as string;
    expect(fresh).not.toBe(secret);
    expect(
      (
        await postForm(
          `${server.url}/token`,
          { grant_type: "client_credentials" },
          { authorization: basicAuth("fts-prod", secret) },
        )
      ).status,
    ).toBe(401);
    expect(
      (
        await postForm(
          `${server.url}/token`,
          { grant_type: "client_credentials" },
          { authorization: basicAuth("fts-prod", fresh) },
        )
      ).status,
    ).toBe(200);

    expect((await api("DELETE", "/clients/fts-prod")).status).toBe(204);
    expect((await api("GET", "/clients/fts-prod")).body).toMatchObject({ status: 404, code: "not_found" });
  });

  test("bad input gets problem JSON, never a 500", async () => {
    const cases: [unknown, number, string][] = [
      [
        { ...SERVICE, grant_types: ["authorization_code"], redirect_uris: ["javascript:alert(1)"] },
        400,
        "invalid_redirect_uri",
      ],
      [{ ...SERVICE, scope: "storage.read" }, 400, "invalid_client_metadata"],
      [{ ...SERVICE, access_token_lifetime: 7 * 3600 }, 400, "invalid_client_metadata"],
      [{ ...SERVICE, audiences: "fts" }, 400, "invalid_client_metadata"],
      [{ ...SERVICE, client_id: "123e4567-e89b-12d3-a456-426614174000" }, 409, "conflict"],
      [{ ...SERVICE, client_id: "has space" }, 400, "invalid_client_metadata"],
      [[1, 2], 400, "invalid_request"],
    ];
    for (const [body, status, code] of cases) {
      const response = await api("POST", "/clients", body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.code, JSON.stringify(body)).toBe(code);
    }
    const broken = await fetch(`${server.url}/api/v1/clients`, {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
      body: "{",
    });
    expect(broken.status).toBe(400);
    expect((await api("GET", "/clients?limit=0")).status).toBe(400);
    // Regression: `1e400` was coerced to Infinity and reached PostgreSQL as LIMIT (a 500).
    expect((await api("GET", "/clients?limit=1e400")).body).toMatchObject({
      status: 400,
      code: "invalid_request",
    });
    // Regression: a NUL in a path parameter reached PostgreSQL (which refuses it in text) as a 500.
    expect((await api("GET", "/accounts/%00")).body).toMatchObject({ status: 400, code: "invalid_request" });
    expect((await api("POST", "/groups", { name: "/a\u0000b" })).status).toBe(400);
  });
});

describe("accounts", () => {
  test("search by part of the username, name or email, ignoring case; % and _ match themselves", async () => {
    for (const [username, name, email] of [
      ["sam_ops", "Samwise Gamgee", "sam@shire.example"],
      ["samuel", "Samuel Pepys", "diary@london.example"],
      ["bot-sampler", "Sampling robot", "robots@example.org"],
      ["tom", "Tom 100% Bombadil", "tom@old-forest.example"],
    ]) {
      expect((await api("POST", "/accounts", { username, name, email })).status).toBe(201);
    }
    const names = async (q: string, extra = "") =>
      (
        (await api("GET", `/accounts?q=${encodeURIComponent(q)}${extra}`)).body.items as {
          username: string;
        }[]
      ).map((a) => a.username);
    expect(await names("SAM")).toEqual(["bot-sampler", "sam_ops", "samuel"]);
    expect(await names("pepys")).toEqual(["samuel"]);
    expect(await names("SHIRE.example")).toEqual(["sam_ops"]);
    expect(await names("m_")).toEqual(["sam_ops"]);
    expect(await names("100%")).toEqual(["tom"]);
    expect(await names("sam", "&limit=1&after=bot-sampler")).toEqual(["sam_ops"]);
    expect(await names("nobody-like-this")).toEqual([]);
  });
});

describe("keys and audit", () => {
  test("list keys, rotate (scheduled and immediate)", async () => {
    const before = await api("GET", "/keys");
    expect((before.body.items as { state: string }[]).map((k) => k.state)).toEqual(["signing"]);
    const next = await api("POST", "/keys/rotate", {});
    expect(next.status).toBe(201);
    expect((await api("GET", "/keys")).body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ state: "signing" }),
        expect.objectContaining({ kid: next.body.kid, state: "next" }),
      ]),
    );
    const now = await api("POST", "/keys/rotate", { immediate: true });
    const keys = (await api("GET", "/keys")).body.items as { kid: string; state: string }[];
    expect(keys.find((k) => k.kid === now.body.kid)?.state).toBe("signing");
    expect(keys.filter((k) => k.state === "signing")).toHaveLength(1);
  });

  test("the audit trail pages backwards by id", async () => {
    const browser = createBrowser(server.url);
    for (let i = 0; i < 3; i++) await browser.login("admin", `wrong ${i}`);
    server.clock.advance(3_600_000);
    const first = await api("GET", "/audit?event=login&limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const second = await api("GET", `/audit?event=login&limit=2&before=${first.body.next}`);
    const [a] = second.body.items as { id: number }[];
    expect(a?.id).toBeLessThan(first.body.next as number);
  });
});

test("the OpenAPI document lists the API", async () => {
  const doc = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, unknown>;
  };
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      "/api/v1/clients",
      "/api/v1/clients/{id}",
      "/api/v1/keys/rotate",
      "/api/v1/audit",
      "/api/v1/accounts/{id}/groups",
      "/api/v1/groups/{id}/members/{accountId}",
    ]),
  );
  // The dashboard's account search and group moves are described, not just accepted.
  const operation = (path: string, method: string) =>
    JSON.stringify((doc.paths[path] as Record<string, unknown> | undefined)?.[method] ?? null);
  expect(operation("/api/v1/accounts", "get")).toContain('"name":"q"');
  expect(operation("/api/v1/groups/{id}", "patch")).toContain("parent_id");
  expect(Object.keys(doc.paths).some((p) => p.startsWith("/token") || p.startsWith("/login"))).toBe(false);
});
