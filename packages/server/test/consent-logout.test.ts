import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Browser, createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const PORTAL_REDIRECT = "https://rp.example.org/cb";
const PORTAL_LOGOUT = "https://rp.example.org/bye";
const OTHER_LOGOUT = "https://other.example.org/bye";

let server: TestServer;
let portal: { clientId: string; secret: string };
let trusted: { clientId: string; secret: string };
let other: { clientId: string };
let userCount = 0;

beforeAll(async () => {
  server = await startTestServer();
  const clients = server.tessera.services.clients;
  const common = {
    authMethod: "client_secret_basic" as const,
    redirectUris: [PORTAL_REDIRECT],
    grantTypes: ["authorization_code"],
    scopes: ["openid", "profile", "email", "storage.read:/cms"],
  };
  const a = await clients.register({
    ...common,
    clientName: "Science Portal",
    postLogoutRedirectUris: [PORTAL_LOGOUT],
  });
  portal = { clientId: a.client.clientId, secret: a.clientSecret as string };
  const b = await clients.register({ ...common, clientName: "Site Dashboard", skipConsent: true });
  trusted = { clientId: b.client.clientId, secret: b.clientSecret as string };
  const c = await clients.register({
    ...common,
    clientName: "Other",
    postLogoutRedirectUris: [OTHER_LOGOUT],
  });
  other = { clientId: c.client.clientId };
});
afterAll(() => server.close());

/** A fresh user signed in with a browser of their own, so remembered consents never leak between tests. */
async function signedInUser(): Promise<{ browser: Browser; accountId: string }> {
  const username = `user${++userCount}`;
  const account = await server.tessera.services.accounts.create({
    username,
    name: `User ${username}`,
    email: `${username}@example.org`,
    password: "a long enough password",
  });
  const browser = createBrowser(server.url);
  expect((await browser.login(username, "a long enough password")).status).toBe(303);
  return { browser, accountId: account.id };
}

function authorizePath(clientId: string, scope: string, extra: Record<string, string> = {}) {
  const params = {
    response_type: "code",
    client_id: clientId,
    redirect_uri: PORTAL_REDIRECT,
    scope,
    ...extra,
  };
  return `/authorize?${new URLSearchParams(params).toString()}`;
}

function location(response: Response): URL {
  return new URL(response.headers.get("location") as string, server.url);
}

const decodeEntities = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** The hidden fields of the first form on a page. */
function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[match[1] as string] = decodeEntities(match[2] as string);
  }
  return fields;
}

/** Approves on the consent page that `path` shows; returns the redirect to the client. */
async function approve(browser: Browser, path: string): Promise<URL> {
  const page = await browser.get(path);
  expect(page.status).toBe(200);
  const response = await browser.post("/authorize", {
    ...hiddenFields(await page.text()),
    decision: "approve",
  });
  expect(response.status).toBe(303);
  return location(response);
}

/** Runs the code flow with approval and returns the ID token. */
async function idTokenFor(browser: Browser): Promise<string> {
  const path = authorizePath(portal.clientId, "openid profile");
  const first = await browser.get(path);
  const callback = first.status === 200 ? await approve(browser, path) : location(first);
  const tokens = await postForm(
    `${server.url}/token`,
    {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code") as string,
      redirect_uri: PORTAL_REDIRECT,
    },
    { authorization: basicAuth(portal.clientId, portal.secret) },
  );
  expect(tokens.status).toBe(200);
  return tokens.body.id_token as string;
}

const logoutPath = (params: Record<string, string>) => `/logout?${new URLSearchParams(params).toString()}`;

async function isSignedIn(browser: Browser): Promise<boolean> {
  return (await browser.get("/")).status === 200;
}

describe("remembered consent", () => {
  test("the first authorization shows the page; the same or narrower scopes skip it; wider ones show it again", async () => {
    const { browser, accountId } = await signedInUser();
    const first = await approve(
      browser,
      authorizePath(portal.clientId, "openid storage.read:/cms", { state: "s1" }),
    );
    expect(first.searchParams.get("code")).toBeTruthy();

    const again = await browser.get(
      authorizePath(portal.clientId, "openid storage.read:/cms", { state: "s2" }),
    );
    expect(again.status).toBe(303);
    expect(location(again).origin + location(again).pathname).toBe(PORTAL_REDIRECT);
    expect(location(again).searchParams.get("code")).toBeTruthy();
    expect(location(again).searchParams.get("state")).toBe("s2");
    expect(location(again).searchParams.get("iss")).toBe(server.url);

    const narrower = await browser.get(authorizePath(portal.clientId, "storage.read:/cms/mc/2024"));
    expect(narrower.status).toBe(303);
    expect(location(narrower).searchParams.get("code")).toBeTruthy();

    const wider = await browser.get(authorizePath(portal.clientId, "openid email storage.read:/cms"));
    expect(wider.status).toBe(200);
    expect(await wider.text()).toContain("email");

    // Approving the wider request remembers the union.
    await approve(browser, authorizePath(portal.clientId, "openid email"));
    const consents = await server.tessera.services.consents.listForAccount(accountId);
    expect(consents).toHaveLength(1);
    expect(consents[0]?.scopes).toEqual(["openid", "storage.read:/cms", "email"]);
    expect((await browser.get(authorizePath(portal.clientId, "openid email storage.read:/cms"))).status).toBe(
      303,
    );
  });

  test("a code issued without the page is redeemable", async () => {
    const { browser } = await signedInUser();
    await idTokenFor(browser);
    // The second run skips the page and still yields tokens.
    expect((await browser.get(authorizePath(portal.clientId, "openid profile"))).status).toBe(303);
    expect(await idTokenFor(browser)).toBeTruthy();
  });

  test("prompt=consent forces the page even when consent is remembered", async () => {
    const { browser } = await signedInUser();
    await approve(browser, authorizePath(portal.clientId, "openid"));
    const forced = await browser.get(authorizePath(portal.clientId, "openid", { prompt: "consent" }));
    expect(forced.status).toBe(200);
    expect(await forced.text()).toContain("Authorize Science Portal");
  });

  test("prompt=none succeeds silently when covered and is consent_required when not", async () => {
    const { browser } = await signedInUser();
    const before = await browser.get(
      authorizePath(portal.clientId, "openid", { prompt: "none", state: "n" }),
    );
    expect(location(before).searchParams.get("error")).toBe("consent_required");
    expect(location(before).searchParams.get("state")).toBe("n");

    await approve(browser, authorizePath(portal.clientId, "openid"));
    const silent = await browser.get(
      authorizePath(portal.clientId, "openid", { prompt: "none", state: "n" }),
    );
    expect(silent.status).toBe(303);
    expect(location(silent).searchParams.get("code")).toBeTruthy();
    expect(location(silent).searchParams.get("error")).toBeNull();

    const wider = await browser.get(authorizePath(portal.clientId, "openid profile", { prompt: "none" }));
    expect(location(wider).searchParams.get("error")).toBe("consent_required");
  });

  test("a trusted client (skip_consent) never shows the page", async () => {
    const { browser } = await signedInUser();
    for (const extra of [{}, { prompt: "none" }]) {
      const response = await browser.get(authorizePath(trusted.clientId, "openid profile email", extra));
      expect(response.status).toBe(303);
      expect(location(response).searchParams.get("code")).toBeTruthy();
    }
    const client = await server.tessera.services.clients.find(trusted.clientId);
    expect(client?.skipConsent).toBe(true);
    expect((await server.tessera.services.clients.find(portal.clientId))?.skipConsent).toBe(false);
  });

  test("a denial remembers nothing; a revoked consent shows the page again", async () => {
    const { browser, accountId } = await signedInUser();
    const path = authorizePath(portal.clientId, "openid");
    const page = await browser.get(path);
    const denied = await browser.post("/authorize", { ...hiddenFields(await page.text()), decision: "deny" });
    expect(location(denied).searchParams.get("error")).toBe("access_denied");
    expect((await browser.get(path)).status).toBe(200);

    await approve(browser, path);
    expect((await browser.get(path)).status).toBe(303);
    expect(await server.tessera.services.consents.revoke(accountId, portal.clientId)).toBe(true);
    expect(await server.tessera.services.consents.revoke(accountId, portal.clientId)).toBe(false);
    expect((await browser.get(path)).status).toBe(200);
  });

  test("the REST API lists my consents; withdrawing one asks again and revokes that client's refresh tokens", async () => {
    const { browser, accountId } = await signedInUser();
    const notebook = await server.tessera.services.clients.register({
      authMethod: "client_secret_basic",
      redirectUris: [PORTAL_REDIRECT],
      grantTypes: ["authorization_code", "refresh_token"],
      scopes: ["openid", "offline_access"],
      clientName: "Notebook",
    });
    const secret = notebook.clientSecret as string;
    const clientId = notebook.client.clientId;
    const code = (await approve(browser, authorizePath(clientId, "openid offline_access"))).searchParams.get(
      "code",
    ) as string;
    const tokens = await postForm(
      `${server.url}/token`,
      { grant_type: "authorization_code", code, redirect_uri: PORTAL_REDIRECT },
      { authorization: basicAuth(clientId, secret) },
    );
    const refreshToken = tokens.body.refresh_token as string;
    expect(refreshToken).toBeTruthy();
    await approve(browser, authorizePath(portal.clientId, "openid email"));

    const call = async (method: string, path: string) => {
      const csrf = await browser.csrfFrom("/");
      const response = await browser.request(`/api/v1${path}`, {
        method,
        headers: { accept: "application/json", "x-csrf-token": csrf },
      });
      const text = await response.text();
      return {
        status: response.status,
        body: text ? JSON.parse(text) : null,
        type: response.headers.get("content-type"),
      };
    };
    const listed = await call("GET", "/me/consents");
    expect(listed.status).toBe(200);
    expect(
      (listed.body.items as { client_id: string }[]).sort((a, b) => a.client_id.localeCompare(b.client_id)),
    ).toEqual(
      [
        { client_id: clientId, client_name: "Notebook", scopes: ["openid", "offline_access"] },
        { client_id: portal.clientId, client_name: "Science Portal", scopes: ["openid", "email"] },
      ]
        .sort((a, b) => a.client_id.localeCompare(b.client_id))
        .map((c) => ({ ...c, created_at: expect.any(String), updated_at: expect.any(String) })),
    );

    expect((await call("DELETE", `/me/consents/${encodeURIComponent(clientId)}`)).status).toBe(204);
    const refreshed = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: refreshToken },
      { authorization: basicAuth(clientId, secret) },
    );
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe("invalid_grant");
    expect((await browser.get(authorizePath(clientId, "openid offline_access"))).status).toBe(200);
    // The other application keeps its consent.
    expect((await browser.get(authorizePath(portal.clientId, "openid email"))).status).toBe(303);
    expect((await call("GET", "/me/consents")).body.items).toMatchObject([{ client_id: portal.clientId }]);

    const again = await call("DELETE", `/me/consents/${encodeURIComponent(clientId)}`);
    expect(again.status).toBe(404);
    expect(again.type).toContain("application/problem+json");
    expect(again.body).toMatchObject({ status: 404, code: "not_found" });
    const audit = await server.tessera.store.db
      .selectFrom("audit_events")
      .select(["event", "reason"])
      .where("account_id", "=", accountId)
      .where("event", "=", "consent.withdrawn")
      .execute();
    expect(audit).toEqual([{ event: "consent.withdrawn", reason: `client ${clientId}` }]);
  });
});

describe("RP-initiated logout", () => {
  test("discovery advertises end_session_endpoint", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.end_session_endpoint).toBe(`${server.url}/logout`);
  });

  test("a valid id_token_hint and registered URI: confirmation, then redirect with state", async () => {
    const { browser } = await signedInUser();
    const hint = await idTokenFor(browser);
    const params = { id_token_hint: hint, post_logout_redirect_uri: PORTAL_LOGOUT, state: "bye state" };
    const page = await browser.get(logoutPath(params));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain(
      "form-action 'self' https://rp.example.org",
    );
    const html = await page.text();
    expect(html).toContain("Science Portal");
    const fields = hiddenFields(html);
    expect(fields).toMatchObject(params);
    expect(await isSignedIn(browser)).toBe(true);

    const done = await browser.post("/logout", fields);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`${PORTAL_LOGOUT}?state=bye+state`);
    expect(await isSignedIn(browser)).toBe(false);
  });

  test("client_id alone identifies the client; without a URI the user lands on the login page", async () => {
    const { browser } = await signedInUser();
    const page = await browser.get(
      logoutPath({ client_id: portal.clientId, post_logout_redirect_uri: PORTAL_LOGOUT }),
    );
    const done = await browser.post("/logout", hiddenFields(await page.text()));
    expect(done.headers.get("location")).toBe(PORTAL_LOGOUT);

    const second = await signedInUser();
    const plain = await second.browser.get(logoutPath({ id_token_hint: await idTokenFor(second.browser) }));
    const out = await second.browser.post("/logout", hiddenFields(await plain.text()));
    expect(out.headers.get("location")).toBe("/login?logged_out");
    expect(await isSignedIn(second.browser)).toBe(false);
  });

  test("unregistered or mismatched URIs show an error page and never redirect", async () => {
    const { browser } = await signedInUser();
    const hint = await idTokenFor(browser);
    const cases: Record<string, string>[] = [
      { id_token_hint: hint, post_logout_redirect_uri: "https://evil.example/bye" },
      { id_token_hint: hint, post_logout_redirect_uri: `${PORTAL_LOGOUT}/` },
      { id_token_hint: hint, post_logout_redirect_uri: `${PORTAL_LOGOUT}?x=1` },
      { id_token_hint: hint, post_logout_redirect_uri: PORTAL_REDIRECT },
      // Registered, but for another client than the hint's.
      { id_token_hint: hint, post_logout_redirect_uri: OTHER_LOGOUT },
      // client_id and the hint disagree.
      { id_token_hint: hint, client_id: other.clientId, post_logout_redirect_uri: OTHER_LOGOUT },
      // No client to check the URI against.
      { post_logout_redirect_uri: PORTAL_LOGOUT },
      { client_id: "no-such-client", post_logout_redirect_uri: PORTAL_LOGOUT },
      {
        client_id: portal.clientId,
        post_logout_redirect_uri: PORTAL_LOGOUT,
        state: ["a", "b"] as unknown as string,
      },
    ];
    for (const params of cases) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(params))
        for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
      const response = await browser.get(`/logout?${query.toString()}`);
      expect(response.status, JSON.stringify(params)).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.text()).toContain("Cannot sign out");
    }

    // Tampering with the confirmation form: validated again, nothing redirected, still signed in.
    const page = await browser.get(
      logoutPath({ id_token_hint: hint, post_logout_redirect_uri: PORTAL_LOGOUT }),
    );
    const fields = hiddenFields(await page.text());
    const tampered = await browser.post("/logout", {
      ...fields,
      post_logout_redirect_uri: "https://evil.example/",
    });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get("location")).toBeNull();
    expect(await isSignedIn(browser)).toBe(true);
  });

  test("a forged hint (other key, or an access token) is refused", async () => {
    const { browser, accountId } = await signedInUser();
    const jwks = await server.tessera.services.keys.jwks();
    const kid = (jwks.keys[0] as { kid: string }).kid;
    const { privateKey } = await generateKeyPair("RS256");
    const now = Math.floor(server.clock.now() / 1000);
    const forged = await new SignJWT({ sub: accountId, aud: portal.clientId, azp: portal.clientId })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(server.url)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    const refused = await browser.get(
      logoutPath({ id_token_hint: forged, post_logout_redirect_uri: PORTAL_LOGOUT }),
    );
    expect(refused.status).toBe(400);
    expect(refused.headers.get("location")).toBeNull();

    // An access token is signed by the same key but is no ID token (typ at+jwt).
    const path = authorizePath(portal.clientId, "openid");
    const callback = await approve(browser, path);
    const tokens = await postForm(
      `${server.url}/token`,
      {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code") as string,
        redirect_uri: PORTAL_REDIRECT,
      },
      { authorization: basicAuth(portal.clientId, portal.secret) },
    );
    const asHint = await browser.get(
      logoutPath({
        id_token_hint: tokens.body.access_token as string,
        post_logout_redirect_uri: PORTAL_LOGOUT,
      }),
    );
    expect(asHint.status).toBe(400);
    expect(await isSignedIn(browser)).toBe(true);
  });

  test("without a session there is nothing to confirm: straight to the validated URI", async () => {
    const { browser } = await signedInUser();
    const hint = await idTokenFor(browser);
    const anonymous = createBrowser(server.url);
    const params = { id_token_hint: hint, post_logout_redirect_uri: PORTAL_LOGOUT, state: "s" };
    const response = await anonymous.get(logoutPath(params));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`${PORTAL_LOGOUT}?state=s`);
    // A relying party may post the same parameters.
    const posted = await anonymous.post("/logout", params);
    expect(posted.headers.get("location")).toBe(`${PORTAL_LOGOUT}?state=s`);
    // Even then an unregistered URI is never followed.
    const bad = await anonymous.get(
      logoutPath({ ...params, post_logout_redirect_uri: "https://evil.example/" }),
    );
    expect(bad.status).toBe(400);
    expect((await anonymous.get("/logout")).headers.get("location")).toBe("/login");

    // An expired hint is still acceptable (RP-Initiated Logout §2): only its signature counts.
    server.clock.advance(2 * 3600 * 1000);
    try {
      const late = await anonymous.get(logoutPath(params));
      expect(late.headers.get("location")).toBe(`${PORTAL_LOGOUT}?state=s`);
    } finally {
      server.clock.advance(-2 * 3600 * 1000);
    }
  });

  test("the confirmation post needs the CSRF token", async () => {
    const { browser } = await signedInUser();
    const hint = await idTokenFor(browser);
    const page = await browser.get(
      logoutPath({ id_token_hint: hint, post_logout_redirect_uri: PORTAL_LOGOUT }),
    );
    const fields = hiddenFields(await page.text());

    const wrong = await browser.post("/logout", { ...fields, csrf_token: "forged" });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.get("location")).toBeNull();
    // A cross-site post with the right token is still refused by its Origin.
    const crossSite = await browser.post("/logout", fields, { origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    // Without a token the post is read as a relying party's request: confirmation again, no logout.
    const { csrf_token: _token, ...withoutToken } = fields;
    const again = await browser.post("/logout", withoutToken);
    expect(again.status).toBe(200);
    expect(await isSignedIn(browser)).toBe(true);

    const done = await browser.post("/logout", fields);
    expect(done.headers.get("location")).toBe(PORTAL_LOGOUT);
    expect(await isSignedIn(browser)).toBe(false);
  });
});

describe("registration of post_logout_redirect_uris", () => {
  const register = (body: Record<string, unknown>) =>
    fetch(`${server.url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const base = { client_name: "RP", redirect_uris: [PORTAL_REDIRECT], scope: "openid" };

  test("accepted, stored and returned; checked like redirect URIs", async () => {
    const ok = await register({
      ...base,
      post_logout_redirect_uris: [PORTAL_LOGOUT, "http://localhost:8080/out"],
    });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as Record<string, unknown>;
    expect(body.post_logout_redirect_uris).toEqual([PORTAL_LOGOUT, "http://localhost:8080/out"]);
    const stored = await server.tessera.services.clients.find(body.client_id as string);
    expect(stored?.postLogoutRedirectUris).toEqual([PORTAL_LOGOUT, "http://localhost:8080/out"]);
    expect(stored?.skipConsent).toBe(false);

    for (const bad of [
      ["http://rp.example.org/bye"],
      ["https://rp.example.org/*"],
      ["javascript:alert(1)"],
      "x",
    ]) {
      const refused = await register({ ...base, post_logout_redirect_uris: bad });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(((await refused.json()) as Record<string, unknown>).error).toBe("invalid_client_metadata");
    }
    const none = (await (await register(base)).json()) as Record<string, unknown>;
    expect(none.post_logout_redirect_uris).toBeUndefined();
  });
});
