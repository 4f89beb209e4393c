import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ConfigError, loadConfig } from "../src/config/load.js";
import { createTokenService } from "../src/domain/tokens/token-service.js";
import { formActionSources, safeRedirectTarget } from "../src/http/redirect-target.js";
import { createBrowser } from "./support/browser.js";
import { startJwtIssuer } from "./support/jwt-issuer.js";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { freePort, startTestServer, type TestServer } from "./support/test-server.js";
import { testDialect } from "./support/test-store.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";
const TOKEN = /^tsr_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

let server: TestServer;
let gatewayUrl: string;
let other: Awaited<ReturnType<typeof startJwtIssuer>>;
let configDir: string;
let cli: { client_id: string; client_secret: string };
const accounts: Record<string, { id: string }> = {};

beforeAll(async () => {
  other = await startJwtIssuer();
  configDir = mkdtempSync(join(tmpdir(), "tessera-gateway-"));
  const file = join(configDir, "tessera.yaml");
  writeFileSync(
    file,
    [
      "gateway:",
      "  trustedIssuers:",
      `    - issuer: ${other.issuer}`,
      "  groupScopes:",
      "    /rubin/data-rights: [read:tap, read:image]",
      "  allowedRedirectDomains: [127.0.0.1, example.org]",
      "",
    ].join("\n"),
  );
  const gatewayPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  server = await startTestServer({
    TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
    TESSERA_CONFIG: file,
    TESSERA_GATEWAY_AUDIT_DECISIONS: "true",
    TESSERA_GATEWAY_PORT: String(gatewayPort),
  });
  cli = (
    await api("POST", "/clients", {
      client_name: "gateway cli",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid profile storage.read:/cms wlcg.groups",
    })
  ).body as typeof cli;
  for (const name of ["alice", "bob", "bot-ci", "carol"]) {
    accounts[name] = await server.tessera.services.accounts.create({
      username: name,
      name,
      email: `${name}@example.org`,
      password: PASSWORD,
    });
  }
  const group = (await api("POST", "/groups", { name: "/rubin" })).body as { id: string };
  const rights = (await api("POST", "/groups", { name: "/rubin/data-rights" })).body as { id: string };
  for (const g of [group, rights]) {
    expect((await api("PUT", `/groups/${g.id}/members/${accounts.alice?.id}`, {})).status).toBe(200);
  }
});
afterAll(async () => {
  await server?.close();
  await other?.close();
  rmSync(configDir, { recursive: true, force: true });
});

const api = restApi(() => server.url, BOOTSTRAP);

/** A signed-in browser and a helper calling the REST API as that user (session + CSRF). */
async function signIn(username: string) {
  const browser = createBrowser(server.url);
  expect((await browser.login(username, PASSWORD)).status).toBe(303);
  const csrf = await browser.csrfFrom("/");
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await browser.request(`/api/v1${path}`, {
      method,
      headers: {
        accept: "application/json",
        "x-csrf-token": csrf,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
  return { browser, call };
}

const ahead = (minutes: number) => new Date(server.clock.now() + minutes * 60_000).toISOString();

async function auth(query: string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}/auth${query}`, { headers });
}

async function newToken(username: string, scopes: string[], name = `t-${Math.random()}`) {
  const { call } = await signIn(username);
  const created = await call("POST", "/me/tokens", { name, scopes });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { token: string; key: string };
}

async function passwordJwt(username: string, scope: string) {
  const response = await postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: PASSWORD,
    scope,
  });
  return (response.body as { access_token: string }).access_token;
}

describe("user tokens over REST", () => {
  test("create, list, edit (narrower only), delete, with history", async () => {
    const { call } = await signIn("alice");
    const scopes = await call("GET", "/me/tokens/scopes");
    expect(scopes.body.gateway_scopes).toEqual([
      { scope: "read:tap", groups: ["/rubin/data-rights"] },
      { scope: "read:image", groups: ["/rubin/data-rights"] },
    ]);

    const created = await call("POST", "/me/tokens", {
      name: "laptop",
      scopes: ["read:tap", "read:image", "storage.read:/cms"],
      expires: ahead(60),
    });
    expect(created.status).toBe(201);
    const token = created.body as { token: string; key: string; expires_at: string };
    expect(token.token).toMatch(TOKEN);
    expect(token.token.startsWith(`tsr_${token.key}.`)).toBe(true);
    // Only the hash of the secret is stored.
    const stored = await server.tessera.services.repos.userTokens.find(token.key);
    expect(stored?.secretHash).not.toContain(token.token.split(".")[1]);
    expect(JSON.stringify(stored)).not.toContain(token.token.split(".")[1]);

    expect((await call("POST", "/me/tokens", { name: "laptop", scopes: ["read:tap"] })).status).toBe(409);
    const tooSoon = await call("POST", "/me/tokens", { name: "x", scopes: ["read:tap"], expires: ahead(4) });
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body.code).toBe("invalid_expiry");

    const list = await call("GET", "/me/tokens");
    const item = (list.body.items as Record<string, unknown>[]).find((t) => t.key === token.key);
    expect(item).toMatchObject({
      name: "laptop",
      kind: "user",
      last_used_at: null,
      expires_at: token.expires_at,
    });
    expect(item?.created_at).toEqual(expect.any(String));

    // Last use is recorded.
    expect((await auth("?scope=read:tap", { authorization: `Bearer ${token.token}` })).status).toBe(200);
    const used = await call("GET", `/me/tokens/${token.key}`);
    expect(used.body.last_used_at).toBe(new Date(server.clock.now()).toISOString());

    const narrowed = await call("PATCH", `/me/tokens/${token.key}`, {
      name: "laptop 2",
      scopes: ["read:tap", "storage.read:/cms/data"],
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scopes).toEqual(["read:tap", "storage.read:/cms/data"]);
    const wider = await call("PATCH", `/me/tokens/${token.key}`, { scopes: ["read:image"] });
    expect(wider.status).toBe(400);
    expect(wider.body.code).toBe("invalid_scope");

    expect((await call("DELETE", `/me/tokens/${token.key}`)).status).toBe(204);
    expect((await call("GET", `/me/tokens/${token.key}`)).status).toBe(404);

    const history = await call("GET", `/me/token-history?key=${token.key}`);
    const entries = history.body.items as Record<string, unknown>[];
    expect(entries.map((e) => e.action)).toEqual(["revoke", "edit", "create"]);
    expect(entries[1]).toMatchObject({
      actor: accounts.alice?.id,
      ip: "127.0.0.1",
      old_values: { name: "laptop", scopes: ["read:tap", "read:image", "storage.read:/cms"] },
      new_values: { name: "laptop 2", scopes: ["read:tap", "storage.read:/cms/data"] },
    });
  });

  test("scopes must be the user's own: gateway scopes only through the groups", async () => {
    const { call } = await signIn("bob");
    const refused = await call("POST", "/me/tokens", { name: "tap", scopes: ["read:tap"] });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain("read:tap");
    // A deny policy removes a scope from what the user may put in a token.
    const policy = await api("POST", "/policies", {
      rule: "deny",
      account_id: accounts.bob?.id,
      scopes: ["storage.modify:/"],
      matching: "path",
    });
    expect(policy.status).toBe(201);
    expect((await call("POST", "/me/tokens", { name: "w", scopes: ["storage.modify:/cms"] })).status).toBe(
      400,
    );
    expect((await call("POST", "/me/tokens", { name: "r", scopes: ["storage.read:/cms"] })).status).toBe(201);
  });

  test("users see only their own tokens; administrators see and revoke anyone's", async () => {
    const bobs = await newToken("bob", ["storage.read:/x"]);
    const { call } = await signIn("alice");
    expect((await call("GET", `/me/tokens/${bobs.key}`)).status).toBe(404);
    expect((await call("DELETE", `/me/tokens/${bobs.key}`)).status).toBe(404);
    expect((await call("GET", "/tokens")).status).toBe(403);
    expect((await call("GET", `/me/token-history?account_id=${accounts.bob?.id}`)).status).toBe(403);

    const listed = await api("GET", `/tokens?account_id=${accounts.bob?.id}`);
    expect((listed.body.items as { key: string }[]).map((t) => t.key)).toContain(bobs.key);
    expect((await api("DELETE", `/tokens/${bobs.key}`)).status).toBe(204);
    const history = await api("GET", `/token-history?account_id=${accounts.bob?.id}&action=revoke`);
    expect(history.body.items).toEqual([
      expect.objectContaining({ token_key: bobs.key, actor: "bootstrap", action: "revoke" }),
    ]);
  });

  test("service tokens are for bot accounts", async () => {
    const made = await api("POST", "/tokens", {
      account_id: accounts["bot-ci"]?.id,
      name: "ci",
      scopes: ["storage.read:/ci"],
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ kind: "service", created_by: "bootstrap" });
    const response = await auth("?scope=storage.read:/ci", { authorization: `Bearer ${made.body.token}` });
    expect(response.headers.get("x-auth-request-user")).toBe("bot-ci");
    const human = await api("POST", "/tokens", { account_id: accounts.carol?.id, name: "x", scopes: ["a"] });
    expect(human.status).toBe(400);
  });

  test("history pages with a cursor and filters", async () => {
    const first = await api("GET", "/token-history?limit=2");
    expect((first.body.items as unknown[]).length).toBe(2);
    const next = await api("GET", `/token-history?limit=2&before=${first.body.next}`);
    const ids = [...(first.body.items as { id: number }[]), ...(next.body.items as { id: number }[])].map(
      (e) => e.id,
    );
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(ids.length);
    const since = await api("GET", `/token-history?since=${ahead(1)}`);
    expect(since.body.items).toEqual([]);
  });
});

describe("GET /auth", () => {
  test("no credentials: 401 with a bare Bearer challenge and the login URL", async () => {
    const response = await auth("?scope=read:tap", {
      "x-original-url": "http://127.0.0.1:1234/app/?a=1&b=2",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tessera"');
    expect(response.headers.get("x-auth-request-redirect")).toBe(
      `${server.url}/login?rd=${encodeURIComponent("http://127.0.0.1:1234/app/?a=1&b=2")}`,
    );
    const evil = await auth("", { "x-original-url": "https://evil.example.com/" });
    expect(evil.headers.get("x-auth-request-redirect")).toBe(`${server.url}/login`);
    const basic = await auth("?auth_type=basic");
    expect(basic.headers.get("www-authenticate")).toBe('Basic realm="tessera", charset="UTF-8"');
  });

  test("a user token: identity headers, scope checks with WLCG implication, satisfy", async () => {
    const { token } = await newToken("alice", ["read:tap", "storage.read:/cms"]);
    const bearer = { authorization: `Bearer ${token}` };
    const ok = await auth("?scope=read:tap&scope=storage.read:/cms/x/y", bearer);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-auth-request-user")).toBe("alice");
    expect(ok.headers.get("x-auth-request-email")).toBe("alice@example.org");
    expect(ok.headers.get("x-auth-request-groups")).toBe("/rubin,/rubin/data-rights");
    expect(ok.headers.get("x-auth-request-token")).toBeNull();
    // The token is Tessera's: nginx must not pass it on.
    expect(ok.headers.get("x-auth-request-authorization")).toBeNull();

    const denied = await auth("?scope=read:tap&scope=storage.read:/cmsx", bearer);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toBe(
      'Bearer realm="tessera", error="insufficient_scope", error_description="the credential lacks the scope storage.read:/cmsx", scope="storage.read:/cmsx"',
    );
    expect((await auth("?scope=exec:admin&scope=read:tap&satisfy=any", bearer)).status).toBe(200);
    const none = await auth("?scope=exec:admin&scope=exec:root&satisfy=any", bearer);
    expect(none.status).toBe(403);
    expect(none.headers.get("www-authenticate")).toContain('scope="exec:admin exec:root"');
    // Space-separated and comma-separated scope values are split.
    expect((await auth("?scope=read:tap%20storage.read:/cms", bearer)).status).toBe(200);
  });

  test("invalid credentials: 401 invalid_token, even with allow_anonymous", async () => {
    for (const authorization of [
      "Bearer tsr_AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      "Bearer not-a-token",
      "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.",
      `Basic ${Buffer.from("someone:password").toString("base64")}`,
    ]) {
      const response = await auth("?allow_anonymous=true", { authorization });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
  });

  test("allow_anonymous lets a request without credentials through as anonymous", async () => {
    const response = await auth("?allow_anonymous=true&scope=read:tap");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-auth-request-user")).toBe("anonymous");
    expect(response.headers.get("x-auth-request-groups")).toBeNull();
  });

  test("Basic auth with the token as username or as password (Gafaelfawr style)", async () => {
    const { token } = await newToken("alice", ["read:tap"]);
    for (const pair of [`${token}:x-oauth-basic`, `x-oauth-basic:${token}`, `${token}:`]) {
      const response = await auth("?scope=read:tap&auth_type=basic", {
        authorization: `Basic ${Buffer.from(pair).toString("base64")}`,
      });
      expect(response.status, pair).toBe(200);
      expect(response.headers.get("x-auth-request-user")).toBe("alice");
    }
    const wrong = await auth("?scope=read:tap&auth_type=basic", {
      authorization: `Basic ${Buffer.from(`${token.slice(0, -2)}xx:`).toString("base64")}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toBe('Basic realm="tessera", charset="UTF-8"');
  });

  test("the session cookie, with the user's gateway scopes and policy-permitted scopes", async () => {
    const { browser } = await signIn("alice");
    const ok = await browser.get("/auth?scope=read:image&scope=storage.read:/anything");
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-auth-request-user")).toBe("alice");
    // Tessera's cookies are stripped for the upstream; others are kept.
    const withOther = await auth("", { cookie: `${cookieHeader(browser)}; app=1` });
    expect(withOther.headers.get("x-auth-request-cookie")).toBe("app=1");
    const { browser: bobs } = await signIn("bob");
    const denied = await bobs.get("/auth?scope=read:tap");
    expect(denied.status).toBe(403);
    expect(denied.headers.get("www-authenticate")).toContain('scope="read:tap"');
  });

  test("Tessera's own JWT access tokens, revocation checked", async () => {
    const jwt = await passwordJwt("alice", "openid storage.read:/cms");
    const ok = await auth("?scope=storage.read:/cms/a", { authorization: `Bearer ${jwt}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-auth-request-user")).toBe("alice");
    expect(ok.headers.get("x-auth-request-groups")).toBe("/rubin,/rubin/data-rights");
    // The JWT is Tessera's own: it is not passed upstream.
    expect(ok.headers.get("x-auth-request-authorization")).toBeNull();
    expect((await auth("?scope=read:tap", { authorization: `Bearer ${jwt}` })).status).toBe(403);

    const revoked = await fetch(`${server.url}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: jwt, client_id: cli.client_id, client_secret: cli.client_secret }),
    });
    expect(revoked.status).toBe(200);
    // Tessera's JWTs are cached for at most a second.
    server.clock.advance(1001);
    expect((await auth("", { authorization: `Bearer ${jwt}` })).status).toBe(401);
  });

  test("JWTs from another trusted issuer (discovery + JWKS)", async () => {
    const jwt = await other.sign(
      {
        sub: "external-1",
        preferred_username: "eve@other",
        email: "eve@other.example",
        scope: "storage.read:/atlas compute.read",
        "wlcg.groups": ["/atlas", "/atlas/prod"],
      },
      server.clock.now(),
    );
    const ok = await auth("?scope=storage.read:/atlas/data", { authorization: `Bearer ${jwt}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-auth-request-user")).toBe("eve@other");
    expect(ok.headers.get("x-auth-request-email")).toBe("eve@other.example");
    expect(ok.headers.get("x-auth-request-groups")).toBe("/atlas,/atlas/prod");
    // Another issuer's token is the upstream's business: passed on.
    expect(ok.headers.get("x-auth-request-authorization")).toBe(`Bearer ${jwt}`);
    expect((await auth("?scope=compute.modify", { authorization: `Bearer ${jwt}` })).status).toBe(403);
    // A JWT from another service cannot delegate.
    const delegate = await auth("?delegate_to=portal", { authorization: `Bearer ${jwt}` });
    expect(delegate.status).toBe(403);

    const expired = await other.sign({ sub: "external-1" }, server.clock.now() - 3 * 3600_000);
    expect((await auth("", { authorization: `Bearer ${expired}` })).status).toBe(401);
    const stranger = await startJwtIssuer();
    try {
      const foreign = await stranger.sign({ sub: "x" }, server.clock.now());
      expect((await auth("", { authorization: `Bearer ${foreign}` })).status).toBe(401);
    } finally {
      await stranger.close();
    }
  });

  test("parameter errors are 400 (a site configuration mistake)", async () => {
    for (const query of [
      "?satisfy=some",
      "?auth_type=digest",
      "?notebook=true&delegate_to=x",
      "?delegate_scope=read:tap",
      "?minimum_lifetime=abc&notebook=true",
      "?minimum_lifetime=60",
      "?delegate_to=bad/name",
      "?scope=a%22b",
      "?satisfy=all&satisfy=any",
    ]) {
      expect((await auth(query)).status, query).toBe(400);
    }
  });

  test("decisions are audited when configured", async () => {
    const events = await server.tessera.services.audit.list({ event: "gateway.auth", limit: 5 });
    expect(events.length).toBeGreaterThan(0);
  });
});

function cookieHeader(browser: ReturnType<typeof createBrowser>) {
  return [...browser.jar].map(([k, v]) => `${k}=${v}`).join("; ");
}

describe("the gateway listener (gateway.port)", () => {
  const identityHeaders = (response: Response) =>
    Object.fromEntries(
      [...response.headers].filter(
        ([name]) => name.startsWith("x-auth-request-") || name === "www-authenticate",
      ),
    );

  test("answers every kind of request exactly as the main port does", async () => {
    const { token } = await newToken("alice", ["read:tap"]);
    const { browser } = await signIn("alice");
    const cookie = [...browser.jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const cases: [string, Record<string, string>][] = [
      ["?scope=read:tap", { "x-original-url": "http://127.0.0.1:1234/app/" }],
      ["?scope=read:tap", { authorization: `Bearer ${token}`, cookie: "theme=dark" }],
      ["?scope=exec:admin", { authorization: `Bearer ${token}` }],
      ["?scope=read:tap", { authorization: "Bearer tsr_not-a-token" }],
      ["?scope=read:tap", { cookie }],
      ["?allow_anonymous=true", {}],
      ["?scope=read:tap&delegate_to=portal&delegate_scope=read:tap", { authorization: `Bearer ${token}` }],
      ["?satisfy=some", {}],
    ];
    for (const [query, headers] of cases) {
      const main = await fetch(`${server.url}/auth${query}`, { headers });
      const lean = await fetch(`${gatewayUrl}/auth${query}`, { headers });
      expect(lean.status, query).toBe(main.status);
      expect(identityHeaders(lean), query).toEqual(identityHeaders(main));
      expect(await lean.text()).toBe(await main.text());
    }
    const anonymous = await fetch(`${gatewayUrl}/auth/anonymous`, {
      headers: { authorization: `Bearer ${token}`, cookie: `${cookie}; theme=dark` },
    });
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("x-auth-request-cookie")).toBe("theme=dark");
    expect(anonymous.headers.get("x-auth-request-authorization")).toBeNull();
  });

  test("serves the gateway and nothing else, without the application's per-request plumbing", async () => {
    const ok = await fetch(`${gatewayUrl}/healthz`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toBeNull();
    for (const path of ["/token", "/login", "/api/v1/me", "/metrics", "/.well-known/openid-configuration"]) {
      const missing = await fetch(`${gatewayUrl}${path}`);
      expect(missing.status, path).toBe(404);
      expect(missing.headers.get("content-type")).toContain("application/problem+json");
    }
    // nginx sends auth_request subrequests without a body: anything large is refused early,
    // still as problem JSON.
    const post = await fetch(`${gatewayUrl}/auth`, { method: "POST", body: "x".repeat(5000) });
    expect(post.status).toBe(413);
    expect(post.headers.get("content-type")).toContain("application/problem+json");
  });
});

describe("delegated tokens", () => {
  test("internal tokens: delegate_scope ∩ the parent's, reused, usable, revoked with the parent", async () => {
    const parent = await newToken("alice", ["read:tap", "storage.read:/cms"]);
    const bearer = { authorization: `Bearer ${parent.token}` };
    const first = await auth("?scope=read:tap&delegate_to=portal&delegate_scope=read:tap,read:image", bearer);
    expect(first.status).toBe(200);
    const child = first.headers.get("x-auth-request-token") ?? "";
    expect(child).toMatch(TOKEN);
    const again = await auth("?scope=read:tap&delegate_to=portal&delegate_scope=read:tap,read:image", bearer);
    expect(again.headers.get("x-auth-request-token")).toBe(child);

    const childKey = child.slice(4, 26);
    const stored = await server.tessera.services.repos.userTokens.find(childKey);
    expect(stored).toMatchObject({
      kind: "internal",
      service: "portal",
      scopes: ["read:tap"],
      parentKey: parent.key,
    });
    // The child works at the gateway with its own (narrower) scopes.
    expect((await auth("?scope=read:tap", { authorization: `Bearer ${child}` })).status).toBe(200);
    expect((await auth("?scope=storage.read:/cms", { authorization: `Bearer ${child}` })).status).toBe(403);

    const { call } = await signIn("alice");
    expect((await call("DELETE", `/me/tokens/${parent.key}`)).status).toBe(204);
    expect((await auth("", { authorization: `Bearer ${child}` })).status).toBe(401);
    expect(await server.tessera.services.repos.userTokens.find(childKey)).toBeUndefined();
    const history = await call("GET", `/me/token-history?key=${childKey}`);
    expect((history.body.items as { action: string }[]).map((e) => e.action)).toEqual(["revoke", "create"]);
  });

  test("notebook tokens carry all the parent's scopes and never outlive it", async () => {
    const { call } = await signIn("alice");
    const parent = (
      await call("POST", "/me/tokens", {
        name: "nb-parent",
        scopes: ["read:tap", "read:image"],
        expires: ahead(30),
      })
    ).body as { token: string; key: string };
    const response = await auth("?notebook=true", { authorization: `Bearer ${parent.token}` });
    const child = response.headers.get("x-auth-request-token") ?? "";
    const stored = await server.tessera.services.repos.userTokens.find(child.slice(4, 26));
    expect(stored?.kind).toBe("notebook");
    expect(stored?.scopes).toEqual(["read:tap", "read:image"]);
    expect(stored?.expiresAt).toBe(server.clock.now() + 30 * 60_000);
    // Parent lifetime shorter than minimum_lifetime: the user must sign in again.
    const tooShort = await auth("?notebook=true&minimum_lifetime=3600", {
      authorization: `Bearer ${parent.token}`,
    });
    expect(tooShort.status).toBe(401);
  });

  test("a session can delegate; its children hang from the session", async () => {
    const { browser } = await signIn("alice");
    const response = await browser.get("/auth?delegate_to=svc&delegate_scope=read:tap,storage.read:/x");
    const child = response.headers.get("x-auth-request-token") ?? "";
    const record = await server.tessera.services.repos.userTokens.find(child.slice(4, 26));
    expect(record?.parentSession).toEqual(expect.any(String));
    expect(record?.scopes).toEqual(["read:tap", "storage.read:/x"]);
    expect(record?.expiresAt).toBeLessThanOrEqual(server.clock.now() + server.config.session.lifetime * 1000);
  });

  test("logging out revokes the session's delegated tokens at once, and says so in the history", async () => {
    const { browser } = await signIn("alice");
    const response = await browser.get("/auth?delegate_to=svc&delegate_scope=read:tap");
    const child = response.headers.get("x-auth-request-token") ?? "";
    expect((await auth("?scope=read:tap", { authorization: `Bearer ${child}` })).status).toBe(200);
    const csrf_token = await browser.csrfFrom("/logout");
    expect((await browser.post("/logout", { csrf_token })).status).toBe(303);
    // Refused straight away: the revocation also evicts the gateway's cache.
    expect((await auth("?scope=read:tap", { authorization: `Bearer ${child}` })).status).toBe(401);
    const history = await api("GET", `/token-history?key=${child.slice(4, 26)}`);
    expect(JSON.stringify(history.body)).toContain("revoke");
  });

  test("reuse while minimum_lifetime (or half the lifetime) remains, then a successor", async () => {
    const parent = await newToken("alice", ["read:tap"]);
    const get = async (query: string) =>
      (
        await auth(`?delegate_to=svc&delegate_scope=read:tap${query}`, {
          authorization: `Bearer ${parent.token}`,
        })
      ).headers.get("x-auth-request-token");
    const first = await get("");
    expect(first).toMatch(TOKEN);
    const firstRecord = await server.tessera.services.repos.userTokens.find(first?.slice(4, 26) ?? "");
    const expiresAt = firstRecord?.expiresAt ?? 0;
    const lifetime = expiresAt - (firstRecord?.createdAt ?? 0);
    expect(lifetime).toBe(24 * 3600_000);
    server.clock.advance(lifetime / 2 - 60_000);
    expect(await get("")).toBe(first);
    // Asking for more remaining lifetime than the child has: a new one.
    const remaining = Math.floor((expiresAt - server.clock.now()) / 1000);
    const longer = await get(`&minimum_lifetime=${remaining + 10}`);
    expect(longer).toMatch(TOKEN);
    expect(longer).not.toBe(first);
    // The successor is reused now; the old child stays valid until it expires.
    expect(await get("")).toBe(longer);
    expect((await auth("", { authorization: `Bearer ${first}` })).status).toBe(200);
    // Past half its lifetime a child is replaced.
    server.clock.advance(lifetime / 2 + 60_000);
    const third = await get("");
    expect(third).not.toBe(longer);
    expect(third).toMatch(TOKEN);
  });

  test("100 concurrent identical requests produce one child", async () => {
    const parent = await newToken("alice", ["read:tap"]);
    const responses = await Promise.all(
      Array.from({ length: 100 }, () =>
        auth("?delegate_to=burst&delegate_scope=read:tap", { authorization: `Bearer ${parent.token}` }),
      ),
    );
    const children = new Set(responses.map((r) => r.headers.get("x-auth-request-token")));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(children.size).toBe(1);
    const stored = (
      await server.tessera.services.repos.userTokens.list({ kind: "internal", limit: 1000 })
    ).filter((t) => t.parentKey === parent.key);
    expect(stored.length).toBe(1);
  });

  test("…also across nodes: two token services over one database race on the unique key", async () => {
    const parent = await newToken("alice", ["read:tap"]);
    const services = server.tessera.services;
    const record = await services.repos.userTokens.find(parent.key);
    const account = await services.accounts.findById(accounts.alice?.id ?? "");
    if (!record || !account) throw new Error("setup");
    const nodes = [1, 2].map(() =>
      createTokenService({
        tokens: services.repos.userTokens,
        accounts: services.repos.accounts,
        clock: server.clock,
        unpermitted: async () => [],
        childSecret: (key) => `secret-of-${key}`.padEnd(43, "x").slice(0, 43),
        onRevoked: () => undefined,
      }),
    );
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        nodes[i % 2]?.delegate(
          account,
          { type: "token", token: record },
          {
            kind: "internal",
            service: "race",
            scopes: ["read:tap"],
          },
        ),
      ),
    );
    expect(new Set(results.map((r) => r?.record.key)).size).toBe(1);
    const stored = (await services.repos.userTokens.list({ kind: "internal", limit: 1000 })).filter(
      (t) => t.parentKey === parent.key,
    );
    expect(stored.length).toBe(1);
  });
});

describe("cache and revocation", () => {
  test("verifications are cached, and a revocation evicts them at once", async () => {
    const { token, key } = await newToken("carol", ["storage.read:/c"]);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await auth("", bearer)).status).toBe(200);
    // Deleted behind the service's back: the cache still answers (proves the cache is used)…
    await server.tessera.services.repos.userTokens.deleteMany([key]);
    expect((await auth("", bearer)).status).toBe(200);
    // …until its few seconds are over.
    server.clock.advance(5001);
    expect((await auth("", bearer)).status).toBe(401);

    const second = await newToken("carol", ["storage.read:/c"]);
    expect((await auth("", { authorization: `Bearer ${second.token}` })).status).toBe(200);
    expect((await api("DELETE", `/tokens/${second.key}`)).status).toBe(204);
    expect((await auth("", { authorization: `Bearer ${second.token}` })).status).toBe(401);
  });

  test("expired tokens are refused and their expiry recorded", async () => {
    const { call } = await signIn("carol");
    const made = (
      await call("POST", "/me/tokens", { name: "short", scopes: ["storage.read:/c"], expires: ahead(6) })
    ).body as { token: string; key: string };
    expect((await auth("", { authorization: `Bearer ${made.token}` })).status).toBe(200);
    server.clock.advance(6 * 60_000);
    expect((await auth("", { authorization: `Bearer ${made.token}` })).status).toBe(401);
    await server.tessera.services.gateway.tokens.sweep();
    const history = await call("GET", `/me/token-history?key=${made.key}`);
    expect(history.body.items).toEqual([
      expect.objectContaining({ action: "expire", actor: null }),
      expect.objectContaining({ action: "create" }),
    ]);
  });

  test.runIf(testDialect === "postgres")(
    "PostgreSQL: a revocation on one node reaches another within a second",
    async () => {
      const { startTessera } = await import("../src/server.js");
      const { freePort } = await import("./support/test-server.js");
      const nodeB = await startTessera(server.config, { clock: server.clock, store: server.database.open() });
      const port = await freePort();
      await nodeB.app.listen({ host: "127.0.0.1", port });
      try {
        const { token, key } = await newToken("carol", ["storage.read:/c"]);
        const atB = () =>
          fetch(`http://127.0.0.1:${port}/auth`, { headers: { authorization: `Bearer ${token}` } });
        expect((await atB()).status).toBe(200);
        expect(nodeB.services.gateway.authenticator.cacheSize()).toBeGreaterThan(0);
        expect((await api("DELETE", `/tokens/${key}`)).status).toBe(204);
        const started = Date.now();
        let status = 200;
        while (status === 200 && Date.now() - started < 1000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          status = (await atB()).status;
        }
        expect(status).toBe(401);
      } finally {
        await nodeB.close();
        // Let the pool's connections finish closing before the database is dropped.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  );
});

describe("/auth/anonymous and the login redirect", () => {
  test("/auth/anonymous tells nginx what to pass on without Tessera's credentials", async () => {
    const { browser } = await signIn("carol");
    const response = await auth("/anonymous", {
      cookie: `${cookieHeader(browser)}; theme=dark`,
      authorization: "Bearer tsr_x.y",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-auth-request-cookie")).toBe("theme=dark");
    expect(response.headers.get("x-auth-request-authorization")).toBeNull();
    expect(response.headers.get("x-auth-request-user")).toBeNull();
    const foreign = await auth("/anonymous", { authorization: "Basic dXNlcjpwYXNz" });
    expect(foreign.headers.get("x-auth-request-authorization")).toBe("Basic dXNlcjpwYXNz");
  });

  test("login sends the browser back to an allowed domain; CSP form-action allows it", async () => {
    const browser = createBrowser(server.url);
    const page = await browser.get(`/login?rd=${encodeURIComponent("https://app.example.org/x?y=1")}`);
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' http://127.0.0.1:*");
    expect(page.headers.get("content-security-policy")).toContain("https://*.example.org:*");
    const done = await browser.login("carol", PASSWORD, { rd: "https://app.example.org/x?y=1" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("https://app.example.org/x?y=1");
    const evil = createBrowser(server.url);
    const refused = await evil.login("carol", PASSWORD, { rd: "https://example.org.evil.com/" });
    expect(refused.headers.get("location")).toBe("/");
  });
});

describe("safeRedirectTarget with allowed domains (no open redirect)", () => {
  const issuer = "https://iam.example.org";
  const domains = ["example.org", "127.0.0.1"];
  test.each([
    ["https://app.example.org/x", "https://app.example.org/x"],
    ["https://example.org/", "https://example.org/"],
    ["https://a.b.example.org:8443/p?q#f", "https://a.b.example.org:8443/p?q#f"],
    ["http://127.0.0.1:9000/app", "http://127.0.0.1:9000/app"],
    ["/local/path", "https://iam.example.org/local/path"],
  ])("accepts %s", (input, expected) => {
    expect(safeRedirectTarget(input, issuer, domains)).toBe(expected);
  });
  test.each([
    "http://app.example.org/",
    "https://evilexample.org/",
    "https://example.org.evil.com/",
    "https://evil.com/?https://example.org",
    "https://evil.com#.example.org",
    "https://example.org@evil.com/",
    "https://user:pw@app.example.org/",
    "//app.example.org/",
    "///evil.com",
    "https:\\\\evil.com",
    "\\\\evil.com",
    "javascript:alert(1)//example.org",
    "data:text/html,x",
    "https://app.example.org\t.evil.com/",
    "http://127.0.0.2/",
    "https://127.0.0.1.evil.com/",
    "https://xn--exmple-cua.org/",
    "ftp://example.org/",
  ])("refuses %s", (input) => {
    expect(safeRedirectTarget(input, issuer, domains)).toBeUndefined();
  });
  test("without allowed domains only the issuer's origin", () => {
    expect(safeRedirectTarget("https://app.example.org/", issuer)).toBeUndefined();
  });
  test("form-action sources", () => {
    expect(formActionSources(["example.org", "localhost"])).toEqual([
      "https://example.org:*",
      "https://*.example.org:*",
      "http://localhost:*",
      "https://localhost:*",
    ]);
  });
});

describe("gateway configuration (YAML file only)", () => {
  const load = (yaml: string, env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-gateway-config-"));
    try {
      writeFileSync(join(dir, "c.yaml"), yaml);
      return loadConfig({ TESSERA_CONFIG: join(dir, "c.yaml"), ...env });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const problems = (yaml: string) => {
    try {
      load(yaml);
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };

  test("defaults: no other issuers, no group scopes, the issuer's host (never a loopback one)", () => {
    expect(load("", { TESSERA_ISSUER: "https://iam.example.org" }).gateway).toEqual({
      auditDecisions: false,
      trustedIssuers: [],
      groupScopes: {},
      allowedRedirectDomains: ["iam.example.org"],
    });
    expect(load("").gateway.allowedRedirectDomains).toEqual([]);
  });

  test("a full gateway section", () => {
    const config = load(
      [
        "gateway:",
        "  auditDecisions: true",
        "  trustedIssuers:",
        "    - issuer: https://other.example.org",
        "      audiences: [https://svc.example.org]",
        "      jwksUri: https://other.example.org/jwks",
        "  groupScopes:",
        "    /rubin/data-rights: [read:tap]",
        "  allowedRedirectDomains: [Example.org]",
      ].join("\n"),
    );
    expect(config.gateway).toEqual({
      auditDecisions: true,
      trustedIssuers: [
        {
          issuer: "https://other.example.org",
          audiences: ["https://svc.example.org"],
          jwksUri: "https://other.example.org/jwks",
        },
      ],
      groupScopes: { "/rubin/data-rights": ["read:tap"] },
      allowedRedirectDomains: ["example.org"],
    });
  });

  test("every mistake is reported", () => {
    const found = problems(
      [
        "gateway:",
        "  trustedIssuers:",
        "    - issuer: http://other.example.org",
        "    - issuer: https://a.example.org",
        "      color: blue",
        "    - nonsense",
        "  groupScopes:",
        "    not-a-group: [read:tap]",
        "    /ok: read:tap",
        "  allowedRedirectDomains: [https://example.org, 'evil .org']",
        "  somethingElse: 1",
      ].join("\n"),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining("gateway.somethingElse"),
        expect.stringContaining("gateway.trustedIssuers[0]"),
        expect.stringContaining("gateway.trustedIssuers[1].color"),
        expect.stringContaining("gateway.trustedIssuers[2]"),
        expect.stringContaining("gateway.groupScopes.not-a-group"),
        expect.stringContaining("gateway.groupScopes./ok"),
        expect.stringContaining('"https://example.org" is not a domain name'),
        expect.stringContaining('"evil .org" is not a domain name'),
      ]),
    );
    expect(found.length).toBe(8);
  });
});
