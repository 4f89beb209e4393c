import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Browser, createBrowser } from "./support/browser.js";
import { postForm } from "./support/oauth-client.js";
import { restApi } from "./support/rest-api.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const SECRET = "upstream-client-secret-0123456789";

/** The people who exist at the upstream provider; `nextUser` is who signs in there next. */
const UPSTREAM_USERS: Record<string, Record<string, unknown>> = {
  alice: {
    name: "Alice Trusted",
    preferred_username: "alice",
    email: "alice@cern.example",
    email_verified: true,
  },
  bob: { name: "Bob Untrusted", preferred_username: "bob", email: "bob@elsewhere.example" },
  erin: { name: "Erin Upstream", preferred_username: "erin.up", email: "erin@lab.example" },
};
let nextUser = "alice";

let upstreamServer: Server;
let upstreamIssuer: string;
let github: Server;
let githubUrl: string;
let server: TestServer;
let cli: { client_id: string; client_secret: string };

/** Starts an HTTP server whose handler is set later (its URL must be known first). */
async function listen(handler: { fn: (req: IncomingMessage, res: ServerResponse) => void }) {
  const s = createServer((req, res) => handler.fn(req, res));
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  const upstreamHandler: { fn: (req: IncomingMessage, res: ServerResponse) => void } = {
    fn: (_req, res) => res.end(),
  };
  ({ server: upstreamServer, url: upstreamIssuer } = await listen(upstreamHandler));
  const githubHandler = { fn: fakeGithub };
  ({ server: github, url: githubUrl } = await listen(githubHandler));

  const configFile = join(mkdtempSync(join(tmpdir(), "tessera-federation-")), "tessera.yaml");
  writeFileSync(
    configFile,
    `federation:
  providers:
    - id: trusted
      name: CERN SSO
      issuer: ${upstreamIssuer}
      clientId: tessera-trusted
      clientSecret: ${SECRET}
      trusted: true
      defaultGroups: [/cms]
    - id: untrusted
      name: Some IdP
      issuer: ${upstreamIssuer}/.well-known/openid-configuration
      clientId: tessera-untrusted
      clientSecret: ${SECRET}
    - id: github
      type: github
      clientId: gh-client
      clientSecret: gh-secret
      organisations: [lsst-sqre]
      trusted: true
      authorizeUrl: ${githubUrl}/login/oauth/authorize
      tokenUrl: ${githubUrl}/login/oauth/access_token
      apiBaseUrl: ${githubUrl}/api
`,
  );
  server = await startTestServer({ TESSERA_CONFIG: configFile, TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP });

  // A real oidc-provider 8 as the upstream, with clients registered for Tessera's callbacks.
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const provider = new Provider(upstreamIssuer, {
    clients: ["trusted", "untrusted"].map((id) => ({
      client_id: `tessera-${id}`,
      client_secret: SECRET,
      redirect_uris: [`${server.url}/login/federated/${id}/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    })),
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "up-1", alg: "RS256", use: "sig" }] },
    cookies: { keys: ["upstream-cookie-key-0123456789"] },
    features: { devInteractions: { enabled: false } },
    claims: { profile: ["name", "preferred_username"], email: ["email", "email_verified"] },
    findAccount: async (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: async () => ({ sub: id, ...UPSTREAM_USERS[id] }),
    }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Grant: 600,
      Interaction: 600,
      Session: 600,
    },
  });
  const callback = provider.callback();
  upstreamHandler.fn = (req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      finishInteraction(provider, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    callback(req, res);
  };

  await server.tessera.services.groups.create({ name: "/cms" });
  cli = (
    await api("POST", "/clients", {
      client_name: "federation test cli",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid profile wlcg.groups",
    })
  ).body as typeof cli;
});

afterAll(async () => {
  await server?.close();
  for (const s of [upstreamServer, github]) {
    s?.closeAllConnections();
    await new Promise((resolve) => s?.close(resolve));
  }
});

/** The upstream's login and consent prompts, answered as its login page would for `nextUser`. */
async function finishInteraction(provider: Provider, req: IncomingMessage, res: ServerResponse) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "login") {
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: nextUser } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  const grant = new provider.Grant({
    accountId: String(details.session?.accountId),
    clientId: String(details.params.client_id),
  });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

const api = restApi(() => server.url, BOOTSTRAP);

/**
 * Starts a flow at Tessera and follows redirects through the upstream until it sends the browser
 * back to Tessera's callback; returns that callback URL (not yet visited).
 */
async function toCallback(
  browser: Browser,
  start: string,
  tamper?: (authorize: URL) => void,
): Promise<string> {
  let response = await browser.get(start);
  for (let hop = 0; hop < 12; hop += 1) {
    const location = response.headers.get("location");
    if (!location || response.status < 300 || response.status >= 400)
      throw new Error(`flow stopped: ${response.status} ${(await response.text()).slice(0, 300)}`);
    await response.body?.cancel();
    const next = new URL(location, response.url || server.url);
    if (next.href.startsWith(`${server.url}/login/federated/`) && next.pathname.endsWith("/callback"))
      return next.href;
    if (hop === 0 && tamper) tamper(next);
    response = await browser.get(next.href);
  }
  throw new Error("too many redirects");
}

async function federatedLogin(browser: Browser, start: string, tamper?: (authorize: URL) => void) {
  return browser.get(await toCallback(browser, start, tamper));
}

async function passwordToken(username: string, scope: string) {
  await server.tessera.services.accounts.setPassword(
    (await server.tessera.services.accounts.findByUsername(username))?.id as string,
    "a long enough password",
  );
  const response = await postForm(`${server.url}/token`, {
    grant_type: "password",
    client_id: cli.client_id,
    client_secret: cli.client_secret,
    username,
    password: "a long enough password",
    scope,
  });
  expect(response.status).toBe(200);
  return decodeJwt(String(response.body.access_token));
}

async function home(browser: Browser): Promise<string> {
  const response = await browser.get("/");
  expect(response.status).toBe(200);
  return response.text();
}

async function identities(browser: Browser) {
  const response = await browser.get("/api/v1/me/identities", { accept: "application/json" });
  return (await response.json()) as { identities: { id: string; provider: string; subject: string }[] };
}

describe("login page", () => {
  test("offers a button per configured provider", async () => {
    const html = await (await createBrowser(server.url).get("/login?rd=/account")).text();
    expect(html).toContain('href="/login/federated/trusted?rd=');
    expect(html).toContain("Sign in with CERN SSO");
    expect(html).toContain("Sign in with GitHub");
  });
});

describe("trusted upstream provider", () => {
  test("enrols an unknown user at once, with the default groups, and signs them in", async () => {
    nextUser = "alice";
    const browser = createBrowser(server.url);
    const response = await federatedLogin(browser, "/login/federated/trusted");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    expect(await home(browser)).toContain("alice");
    const account = await server.tessera.services.accounts.findByUsername("alice");
    expect(account).toMatchObject({ status: "active", email: "alice@cern.example", name: "Alice Trusted" });
    expect(account?.passwordHash).toBeNull();
    const audit = await server.tessera.services.audit.list({ accountId: account?.id as string, limit: 10 });
    expect(audit.map((e) => [e.event, e.method, e.result])).toContainEqual([
      "login",
      "oidc:trusted",
      "success",
    ]);
  });

  test("a second login reuses the account", async () => {
    nextUser = "alice";
    const before = await server.tessera.services.accounts.count();
    const browser = createBrowser(server.url);
    expect(
      (await federatedLogin(browser, "/login/federated/trusted?rd=/api/openapi.json")).headers.get(
        "location",
      ),
    ).toBe(`${server.url}/api/openapi.json`);
    expect(await server.tessera.services.accounts.count()).toBe(before);
    expect((await identities(browser)).identities).toMatchObject([{ provider: "trusted", subject: "alice" }]);
  });

  test("the default group appears in a token's wlcg.groups", async () => {
    const claims = await passwordToken("alice", "openid wlcg.groups");
    expect(claims["wlcg.groups"]).toEqual(["/cms"]);
    // Back to federated-only for the unlink test below.
    await server.tessera.store.db
      .updateTable("accounts")
      .set({ password_hash: null })
      .where("username", "=", "alice")
      .execute();
  });
});

describe("untrusted upstream provider", () => {
  test("creates a pending account, prefilled from the claims, that cannot sign in", async () => {
    nextUser = "bob";
    const browser = createBrowser(server.url);
    const response = await federatedLogin(browser, "/login/federated/untrusted");
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("An administrator must approve");
    expect(html).toContain("bob@elsewhere.example");
    expect(browser.jar.has("tessera_session")).toBe(false);
    expect(await server.tessera.services.accounts.findByUsername("bob")).toMatchObject({ status: "pending" });

    const again = await federatedLogin(createBrowser(server.url), "/login/federated/untrusted");
    expect(again.status).toBe(403);
    expect(await again.text()).toContain("not active");
  });
});

describe("linking", () => {
  test("a signed-in user links an upstream identity and then signs in through it", async () => {
    await server.tessera.services.accounts.create({
      username: "erin",
      name: "Erin Local",
      email: "erin@local.example",
      password: "a long enough password",
    });
    nextUser = "erin";
    const browser = createBrowser(server.url);
    expect((await browser.login("erin", "a long enough password")).status).toBe(303);
    const linked = await federatedLogin(browser, "/account/link/untrusted");
    expect(linked.status).toBe(303);
    expect((await identities(browser)).identities).toMatchObject([
      { provider: "untrusted", subject: "erin" },
    ]);

    // Through the untrusted provider too: the identity is linked, so no registration happens.
    const other = createBrowser(server.url);
    expect((await federatedLogin(other, "/login/federated/untrusted")).status).toBe(303);
    expect(await home(other)).toContain("erin");
    expect(await server.tessera.services.accounts.findByUsername("erin.up")).toBeUndefined();
  });

  test("linking needs a session", async () => {
    const response = await createBrowser(server.url).get("/account/link/trusted");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login?rd=%2Faccount%2Flink%2Ftrusted");
  });

  test("from the dashboard: the API names each provider's link, and rd= brings the user back", async () => {
    await server.tessera.services.accounts.create({
      username: "gina",
      name: "Gina Local",
      email: "gina@local.example",
      password: "a long enough password",
    });
    UPSTREAM_USERS.gina = { name: "Gina Upstream", preferred_username: "gina.up", email: "g@lab.example" };
    nextUser = "gina";
    const browser = createBrowser(server.url);
    expect((await browser.login("gina", "a long enough password")).status).toBe(303);
    const listed = (await (
      await browser.get("/api/v1/me/identities", { accept: "application/json" })
    ).json()) as { providers: { id: string; name: string; link_path: string }[] };
    expect(listed.providers).toEqual([
      { id: "trusted", name: "CERN SSO", link_path: "/account/link/trusted" },
      { id: "untrusted", name: "Some IdP", link_path: "/account/link/untrusted" },
      { id: "github", name: "GitHub", link_path: "/account/link/github" },
    ]);

    const linked = await federatedLogin(browser, "/account/link/trusted?rd=/dashboard/");
    expect(linked.status).toBe(303);
    expect(linked.headers.get("location")).toBe(`${server.url}/dashboard/`);
    expect((await identities(browser)).identities).toMatchObject([{ provider: "trusted", subject: "gina" }]);

    // Without a session the way back survives the detour through the login page; another site's does not.
    const anonymous = createBrowser(server.url);
    const toLogin = await anonymous.get("/account/link/trusted?rd=/dashboard/");
    expect(toLogin.headers.get("location")).toBe(
      `/login?rd=${encodeURIComponent(`/account/link/trusted?rd=${encodeURIComponent(`${server.url}/dashboard/`)}`)}`,
    );
    const elsewhere = await anonymous.get("/account/link/trusted?rd=https://evil.example/");
    expect(elsewhere.headers.get("location")).toBe("/login?rd=%2Faccount%2Flink%2Ftrusted");
  });

  test("an identity already linked to another account is refused", async () => {
    await server.tessera.services.accounts.create({
      username: "frank",
      name: "Frank",
      email: "frank@local.example",
      password: "a long enough password",
    });
    nextUser = "erin";
    const browser = createBrowser(server.url);
    await browser.login("frank", "a long enough password");
    const response = await federatedLogin(browser, "/account/link/untrusted");
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("already belongs to another account");
    expect((await identities(browser)).identities).toEqual([]);
  });

  test("unlinking: allowed with a password, refused for the last way to sign in", async () => {
    nextUser = "alice";
    const alice = createBrowser(server.url);
    await federatedLogin(alice, "/login/federated/trusted");
    const [only] = (await identities(alice)).identities;
    const csrf = await alice.csrfFrom("/");
    const refused = await alice.request(`/api/v1/me/identities/${only?.id}`, {
      method: "DELETE",
      headers: { "x-csrf-token": csrf, accept: "application/json" },
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe("last_login_method");

    const erin = createBrowser(server.url);
    await erin.login("erin", "a long enough password");
    const [link] = (await identities(erin)).identities;
    const removed = await erin.request(`/api/v1/me/identities/${link?.id}`, {
      method: "DELETE",
      headers: { "x-csrf-token": await erin.csrfFrom("/") },
    });
    expect(removed.status).toBe(204);
    expect((await identities(erin)).identities).toEqual([]);
    // Another user's identity is not found for the caller.
    const foreign = await erin.request(`/api/v1/me/identities/${only?.id}`, {
      method: "DELETE",
      headers: { "x-csrf-token": await erin.csrfFrom("/"), accept: "application/json" },
    });
    expect(foreign.status).toBe(404);
    const events = await server.tessera.services.audit.list({ event: "identity_unlink", limit: 10 });
    expect(events.map((e) => e.result).sort()).toEqual(["failure", "success"]);
  });
});

describe("refused callbacks are error pages, never a 500", () => {
  test("a state that does not match", async () => {
    nextUser = "alice";
    const browser = createBrowser(server.url);
    const callback = new URL(await toCallback(browser, "/login/federated/trusted"));
    callback.searchParams.set("state", "forged-state");
    const response = await browser.get(callback.href);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(browser.jar.has("tessera_session")).toBe(false);
  });

  test("a replayed callback, with or without the copied cookie", async () => {
    nextUser = "alice";
    const browser = createBrowser(server.url);
    const callback = await toCallback(browser, "/login/federated/trusted");
    const cookie = browser.jar.get("tessera_federation") as string;
    expect((await browser.get(callback)).status).toBe(303);
    expect((await browser.get(callback)).status).toBe(400);
    const attacker = createBrowser(server.url);
    attacker.jar.set("tessera_federation", cookie);
    const replay = await attacker.get(callback);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain("expired or was already used");
  });

  test("a callback in a browser that never started the flow (login CSRF)", async () => {
    nextUser = "alice";
    const callback = await toCallback(createBrowser(server.url), "/login/federated/trusted");
    expect((await createBrowser(server.url).get(callback)).status).toBe(400);
  });

  test("an ID token with the wrong nonce", async () => {
    nextUser = "alice";
    const browser = createBrowser(server.url);
    const response = await federatedLogin(browser, "/login/federated/trusted", (authorize) =>
      authorize.searchParams.set("nonce", "not-the-nonce-tessera-chose"),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("could not be verified");
    expect(browser.jar.has("tessera_session")).toBe(false);
  });

  test("an unknown provider, and an upstream error answer", async () => {
    expect((await createBrowser(server.url).get("/login/federated/nope")).status).toBe(404);
    const browser = createBrowser(server.url);
    const callback = new URL(await toCallback(browser, "/login/federated/trusted"));
    const denied = new URL(callback.pathname, server.url);
    denied.search = new URLSearchParams({
      error: "access_denied",
      state: callback.searchParams.get("state") as string,
      iss: upstreamIssuer,
    }).toString();
    expect((await browser.get(denied.href)).status).toBe(403);
  });
});

// ---- GitHub ----
// A small stand-in for the four GitHub endpoints Tessera uses (authorize, token, /user,
// /user/emails, /user/teams): a test double of a third-party API, acceptable here because no
// GitHub can run on this closed machine. It behaves as GitHub documents them.
const GITHUB_CODE = "gh-code-1";
const GITHUB_TOKEN = "gho_test_token";
function fakeGithub(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://github.test");
  const json = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === "/login/oauth/authorize") {
    const back = new URL(url.searchParams.get("redirect_uri") as string);
    back.searchParams.set("code", GITHUB_CODE);
    back.searchParams.set("state", url.searchParams.get("state") as string);
    res.writeHead(302, { location: back.href });
    res.end();
    return;
  }
  if (url.pathname === "/login/oauth/access_token") {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const form = new URLSearchParams(body);
      const ok = form.get("code") === GITHUB_CODE && form.get("client_secret") === "gh-secret";
      json(
        200,
        ok ? { access_token: GITHUB_TOKEN, token_type: "bearer" } : { error: "bad_verification_code" },
      );
    });
    return;
  }
  if (req.headers.authorization !== `Bearer ${GITHUB_TOKEN}`)
    return json(401, { message: "Bad credentials" });
  if (url.pathname === "/api/user")
    return json(200, { id: 4242, login: "Octo-Cat", name: "Octo Cat", email: null });
  if (url.pathname === "/api/user/emails")
    return json(200, [
      { email: "old@example.org", primary: false, verified: true },
      { email: "octo@example.org", primary: true, verified: true },
    ]);
  if (url.pathname === "/api/user/teams")
    return json(200, [
      { slug: "friends", organization: { login: "LSST-SQRE" } },
      { slug: "a-very-long-team-name-for-testing", organization: { login: "lsst-sqre" } },
      { slug: "elsewhere", organization: { login: "other-org" } },
    ]);
  json(404, { message: "Not Found" });
}

describe("GitHub", () => {
  test("signs in, enrols, and maps org teams to groups with Gafaelfawr's shortening", async () => {
    const browser = createBrowser(server.url);
    const response = await federatedLogin(browser, "/login/federated/github");
    expect(response.status).toBe(303);
    expect(await home(browser)).toContain("octo-cat");
    const account = await server.tessera.services.accounts.findByUsername("octo-cat");
    expect(account).toMatchObject({ email: "octo@example.org", name: "Octo Cat", status: "active" });
    const groups = (await server.tessera.services.groups.tokenMemberships(account?.id as string)).map(
      (m) => m.group,
    );
    expect(groups.sort()).toEqual(["/lsst-sqre-a-very-long-tea-VNQp2Q", "/lsst-sqre-friends"]);
    expect((await identities(browser)).identities).toMatchObject([{ provider: "github", subject: "4242" }]);
    // Signing in again finds the same account through the numeric id.
    expect((await federatedLogin(createBrowser(server.url), "/login/federated/github")).status).toBe(303);
    expect(await server.tessera.services.accounts.findByUsername("octo-cat-2")).toBeUndefined();
  });
});
