import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Browser, createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

/**
 * RFC 9700 (Best Current Practice for OAuth 2.0 Security), one test per rule that applies to an
 * authorization server, named after its section. docs/security.md lists them.
 */
let server: TestServer;
let web: { clientId: string; secret: string };
let native: { clientId: string };
const WEB_REDIRECT = "https://app.example.org/callback?tenant=a";
const NATIVE_REDIRECT = "http://127.0.0.1/cb";
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../../..");

beforeAll(async () => {
  server = await startTestServer();
  const clients = server.tessera.services.clients;
  const a = await clients.register({
    clientName: "Portal",
    authMethod: "client_secret_basic",
    redirectUris: [WEB_REDIRECT],
    postLogoutRedirectUris: ["https://app.example.org/bye"],
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["openid", "profile", "offline_access"],
  });
  web = { clientId: a.client.clientId, secret: a.clientSecret as string };
  const b = await clients.register({
    clientName: "Agent",
    authMethod: "none",
    applicationType: "native",
    redirectUris: [NATIVE_REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["openid", "offline_access"],
  });
  native = { clientId: b.client.clientId };
});
afterAll(() => server.close());

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}
const authorizeUrl = (params: Record<string, string>) => `/authorize?${new URLSearchParams(params)}`;

async function signedIn(): Promise<Browser> {
  const browser = createBrowser(server.url);
  expect((await browser.login("admin", ADMIN_PASSWORD)).status).toBe(303);
  return browser;
}

/** Follows /authorize through the consent page; returns the 303 the consent POST answers. */
async function authorize(browser: Browser, params: Record<string, string>): Promise<Response> {
  const page = await browser.get(authorizeUrl(params));
  if (page.status !== 200) return page;
  const html = await page.text();
  const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
  const request = (/name="request" value="([^"]+)"/.exec(html)?.[1] ?? "")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
  return browser.post("/authorize", { csrf_token, request, decision: "approve" });
}

/** A code for the web client (with PKCE unless told otherwise) and its verifier. */
async function webCode(browser: Browser, withPkce = true) {
  const { verifier, challenge } = pkce();
  const response = await authorize(browser, {
    response_type: "code",
    client_id: web.clientId,
    redirect_uri: WEB_REDIRECT,
    scope: "openid offline_access",
    state: "st",
    ...(withPkce ? { code_challenge: challenge, code_challenge_method: "S256" } : {}),
  });
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get("location") as string);
  return { code: location.searchParams.get("code") as string, verifier, location };
}

const redeem = (code: string, extra: Record<string, string> = {}) =>
  postForm(
    `${server.url}/token`,
    { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, ...extra },
    { authorization: basicAuth(web.clientId, web.secret) },
  );
const refresh = (token: string) =>
  postForm(
    `${server.url}/token`,
    { grant_type: "refresh_token", refresh_token: token },
    { authorization: basicAuth(web.clientId, web.secret) },
  );
const introspect = async (token: string) =>
  (
    await postForm(
      `${server.url}/introspect`,
      { token },
      { authorization: basicAuth(web.clientId, web.secret) },
    )
  ).body;

describe("RFC 9700 §2.1 / §4.1.3: exact redirect URI matching", () => {
  test("§4.1.3 prefix, suffix, query, fragment, case, userinfo, port and scheme variants are refused without a redirect", async () => {
    const browser = await signedIn();
    for (const redirect_uri of [
      "https://app.example.org/callback",
      "https://app.example.org/callback?tenant=a&x=1",
      "https://app.example.org/callback?tenant=A",
      "https://app.example.org/callback?tenant=a#frag",
      "https://app.example.org/callback/?tenant=a",
      "https://app.example.org/callbackx?tenant=a",
      "https://app.example.org/Callback?tenant=a",
      "https://APP.example.org/callback?tenant=a",
      "https://app.example.org./callback?tenant=a",
      "https://app.example.org:443/callback?tenant=a",
      "https://app.example.org:8443/callback?tenant=a",
      "http://app.example.org/callback?tenant=a",
      "https://evil.example@app.example.org/callback?tenant=a",
      "https://app.example.org@evil.example/callback?tenant=a",
      "https://app.example.org.evil.example/callback?tenant=a",
      "https://app.example.org/callback/../callback?tenant=a",
      "https://app.example.org/%63allback?tenant=a",
      "https://app.example.org/callback?tenant=a\u0000",
      "https://evil.example/callback?tenant=a",
      "//evil.example/callback",
      "javascript:alert(1)",
    ]) {
      const response = await browser.get(
        authorizeUrl({ response_type: "code", client_id: web.clientId, redirect_uri, state: "s" }),
      );
      expect(response.status, redirect_uri).toBe(400);
      expect(response.headers.get("location"), redirect_uri).toBeNull();
    }
  });

  test("§2.1 loopback redirect URIs: any port, everything else exact", async () => {
    const browser = await signedIn();
    const { challenge } = pkce();
    const base = {
      response_type: "code",
      client_id: native.clientId,
      code_challenge: challenge,
      code_challenge_method: "S256",
    };
    for (const port of ["", ":1", ":49152", ":65535"]) {
      const response = await browser.get(
        authorizeUrl({ ...base, redirect_uri: `http://127.0.0.1${port}/cb` }),
      );
      expect(response.status, port).toBe(200);
    }
    for (const redirect_uri of [
      "http://127.0.0.1:8080/cb/",
      "http://127.0.0.1:8080/cbx",
      "http://127.0.0.1:8080/cb?x=1",
      "http://127.0.0.2:8080/cb",
      "http://127.1:8080/cb",
      "https://127.0.0.1:8080/cb",
      "http://127.0.0.1.evil.example:8080/cb",
      "http://evil.example@127.0.0.1:8080/cb",
    ]) {
      const response = await browser.get(authorizeUrl({ ...base, redirect_uri }));
      expect(response.status, redirect_uri).toBe(400);
      expect(response.headers.get("location"), redirect_uri).toBeNull();
    }
  });
});

describe("RFC 9700 §4.11: no open redirectors", () => {
  const HOSTILE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "https:evil.example",
    "https://evil.example%2F@127.0.0.1/",
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "/%0d%0aLocation:%20https://evil.example",
    "\thttps://evil.example/",
    "https://127.0.0.1.evil.example/",
  ];
  const notEvil = (location: string | null) => {
    if (location === null) return;
    const target = new URL(location, server.url);
    expect(target.origin, location).toBe(new URL(server.url).origin);
  };

  test("§4.11.2 /authorize: unknown client or unregistered redirect URI is an error page, never a redirect", async () => {
    const browser = await signedIn();
    for (const params of [
      { response_type: "code", client_id: "no-such-client", redirect_uri: "https://evil.example/" },
      { response_type: "code", client_id: web.clientId, redirect_uri: "https://evil.example/" },
      { response_type: "bogus", client_id: web.clientId, redirect_uri: "https://evil.example/" },
      { client_id: web.clientId, redirect_uri: "https://evil.example/", prompt: "none" },
    ]) {
      const response = await browser.get(authorizeUrl(params));
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  test("§4.11 /login?rd= (before and after sign-in) goes only to this server", async () => {
    const anonymous = createBrowser(server.url);
    const browser = await signedIn();
    for (const rd of HOSTILE) {
      const page = await anonymous.get(`/login?rd=${encodeURIComponent(rd)}`);
      expect(page.status).toBe(200);
      // The form carries rd on only as a path or URL of this server.
      const kept = /name="rd" value="([^"]*)"/.exec(await page.text())?.[1];
      if (kept !== undefined) notEvil(kept.replace(/&amp;/g, "&"));
      const already = await browser.get(`/login?rd=${encodeURIComponent(rd)}`);
      expect(already.status).toBe(303);
      notEvil(already.headers.get("location"));
      const fresh = createBrowser(server.url);
      const posted = await fresh.login("admin", ADMIN_PASSWORD, { rd });
      expect(posted.status).toBe(303);
      notEvil(posted.headers.get("location"));
    }
  });

  test("§4.11 /logout: post_logout_redirect_uri only when registered for the client", async () => {
    for (const uri of [...HOSTILE, "https://app.example.org/bye/x", "https://app.example.org/bye?x"]) {
      const browser = await signedIn();
      for (const query of [
        { post_logout_redirect_uri: uri },
        { post_logout_redirect_uri: uri, client_id: web.clientId },
        { rd: uri },
      ]) {
        const response = await browser.get(`/logout?${new URLSearchParams(query)}`);
        expect(response.status).toBeLessThan(500);
        notEvil(response.headers.get("location"));
        expect(response.headers.get("location") ?? "").not.toContain("app.example.org");
      }
      const csrf_token = await browser.csrfFrom("/logout").catch(() => "");
      const posted = await browser.post("/logout", { csrf_token, post_logout_redirect_uri: uri, rd: uri });
      notEvil(posted.headers.get("location"));
    }
  });

  test("§4.11 /aup?rd= and /signup never send the browser elsewhere", async () => {
    const browser = await signedIn();
    for (const rd of HOSTILE) {
      const aup = await browser.get(`/aup?rd=${encodeURIComponent(rd)}`);
      notEvil(aup.headers.get("location"));
      const signup = await createBrowser(server.url).get(`/signup?rd=${encodeURIComponent(rd)}`);
      notEvil(signup.headers.get("location"));
      const device = await createBrowser(server.url).get(`/device?user_code=${encodeURIComponent(rd)}`);
      notEvil(device.headers.get("location"));
    }
  });
});

describe("RFC 9700 §2.1.1 / §4.8: PKCE", () => {
  test("§2.1.1 public clients must send an S256 challenge; plain and absent are refused", async () => {
    const browser = await signedIn();
    const base = {
      response_type: "code",
      client_id: native.clientId,
      redirect_uri: NATIVE_REDIRECT,
      state: "s",
    };
    const { challenge } = pkce();
    for (const extra of [
      {},
      { code_challenge: challenge, code_challenge_method: "plain" },
      { code_challenge: challenge },
      { code_challenge_method: "S256" },
      { code_challenge: "short", code_challenge_method: "S256" },
    ]) {
      const response = await browser.get(authorizeUrl({ ...base, ...extra }));
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get("location") as string).searchParams.get("error")).toBe(
        "invalid_request",
      );
    }
  });

  test("§4.8.2 PKCE downgrade: a challenged code needs its verifier; an unchallenged code refuses one", async () => {
    const browser = await signedIn();
    const challenged = await webCode(browser, true);
    expect((await redeem(challenged.code)).body.error).toBe("invalid_grant");
    const unchallenged = await webCode(browser, false);
    const attempt = await redeem(unchallenged.code, { code_verifier: pkce().verifier });
    expect(attempt.status).toBe(400);
    expect(attempt.body.access_token).toBeUndefined();
  });

  test("§2.1.1 a wrong verifier is invalid_grant", async () => {
    const browser = await signedIn();
    const { code } = await webCode(browser, true);
    expect((await redeem(code, { code_verifier: pkce().verifier })).body.error).toBe("invalid_grant");
  });
});

describe("RFC 9700 §4.5 / RFC 6749 §4.1.2: single-use authorization codes", () => {
  test("§4.5 a code redeemed twice fails the second time and revokes the tokens it issued", async () => {
    const browser = await signedIn();
    const { code, verifier } = await webCode(browser, true);
    const first = await redeem(code, { code_verifier: verifier });
    expect(first.status).toBe(200);
    const second = await redeem(code, { code_verifier: verifier });
    expect(second.body.error).toBe("invalid_grant");
    expect((await refresh(first.body.refresh_token as string)).body.error).toBe("invalid_grant");
    expect((await introspect(first.body.access_token as string)).active).toBe(false);
  });
});

describe("RFC 9700 §4.14: refresh token protection", () => {
  test("§4.14.2 refresh tokens rotate; replaying a used one revokes the whole family", async () => {
    const browser = await signedIn();
    const { code, verifier } = await webCode(browser, true);
    const issued = await redeem(code, { code_verifier: verifier });
    const r1 = issued.body.refresh_token as string;
    const rotated = await refresh(r1);
    expect(rotated.status).toBe(200);
    const r2 = rotated.body.refresh_token as string;
    expect(r2).not.toBe(r1);
    expect((await refresh(r1)).body.error).toBe("invalid_grant");
    expect((await refresh(r2)).body.error).toBe("invalid_grant");
  });

  test("§4.14 a refresh token is bound to its client", async () => {
    const browser = await signedIn();
    const { code, verifier } = await webCode(browser, true);
    const issued = await redeem(code, { code_verifier: verifier });
    const stolen = await postForm(`${server.url}/token`, {
      grant_type: "refresh_token",
      refresh_token: issued.body.refresh_token as string,
      client_id: native.clientId,
    });
    expect(stolen.body.error).toBe("invalid_grant");
  });
});

describe("RFC 9700 §4.4 / RFC 9207: mix-up defence", () => {
  test("§4.4.2 iss is in every authorization response, success and error, and advertised", async () => {
    const browser = await signedIn();
    const { location } = await webCode(browser, true);
    expect(location.searchParams.get("iss")).toBe(server.url);
    const error = await browser.get(
      authorizeUrl({ response_type: "token", client_id: web.clientId, redirect_uri: WEB_REDIRECT }),
    );
    expect(new URL(error.headers.get("location") as string).searchParams.get("iss")).toBe(server.url);
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);
  });
});

describe("RFC 9700 §4.12: 303 after POST", () => {
  test("§4.12 every redirect answering a POST is 303 See Other", async () => {
    const browser = createBrowser(server.url);
    const login = await browser.login("admin", ADMIN_PASSWORD);
    expect(login.status).toBe(303);
    const { code } = await webCode(browser, true); // the consent POST's redirect (asserted 303 inside)
    expect(code).toBeTruthy();
    const csrf_token = await browser.csrfFrom("/logout");
    const logout = await browser.post("/logout", { csrf_token });
    expect([200, 303]).toContain(logout.status);
  });
});

describe("RFC 9700 §4.16: clickjacking", () => {
  test("§4.16 every HTML page forbids framing (CSP frame-ancestors 'none' and X-Frame-Options)", async () => {
    const browser = await signedIn();
    const anonymous = createBrowser(server.url);
    const { challenge } = pkce();
    const pages: [Browser, string][] = [
      [anonymous, "/login"],
      [anonymous, "/signup"],
      [anonymous, "/login/reset"],
      [anonymous, "/no-such-page"],
      [browser, "/"],
      [browser, "/device"],
      [browser, "/logout"],
      [browser, "/aup"],
      [browser, "/login/totp/enrol"],
      [
        browser,
        authorizeUrl({
          response_type: "code",
          client_id: web.clientId,
          redirect_uri: WEB_REDIRECT,
          code_challenge: challenge,
          code_challenge_method: "S256",
        }),
      ],
      [browser, authorizeUrl({ response_type: "code", client_id: "nope" })],
    ];
    for (const [who, path] of pages) {
      const response = await who.get(path);
      if (!(response.headers.get("content-type") ?? "").includes("text/html")) continue;
      expect(response.headers.get("content-security-policy"), path).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get("x-frame-options"), path).toMatch(/^(DENY|SAMEORIGIN)$/i);
    }
  });
});

describe("RFC 9700 §4.7 / RFC 6749 §10.12: CSRF on the authorization endpoint", () => {
  test("§4.7 a consent POST without the CSRF token, or from another origin, grants nothing", async () => {
    const browser = await signedIn();
    const page = await browser.get(
      authorizeUrl({
        response_type: "code",
        client_id: web.clientId,
        redirect_uri: WEB_REDIRECT,
        code_challenge: pkce().challenge,
        code_challenge_method: "S256",
      }),
    );
    const html = await page.text();
    const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
    const request = (/name="request" value="([^"]+)"/.exec(html)?.[1] ?? "").replace(/&quot;/g, '"');
    const forged = await browser.post("/authorize", { request, decision: "approve" });
    expect(forged.headers.get("location") ?? "").not.toContain("code=");
    const foreign = await browser.post(
      "/authorize",
      { csrf_token, request, decision: "approve" },
      { origin: "https://evil.example" },
    );
    expect(foreign.headers.get("location") ?? "").not.toContain("code=");
  });
});

describe("no CORS on the authorization endpoint", () => {
  test("/authorize answers a cross-origin request or preflight without Access-Control-Allow-Origin", async () => {
    const origin = { origin: "https://evil.example" };
    const get = await fetch(
      `${server.url}${authorizeUrl({ response_type: "code", client_id: web.clientId, redirect_uri: WEB_REDIRECT })}`,
      { headers: origin, redirect: "manual" },
    );
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
    const preflight = await fetch(`${server.url}/authorize`, {
      method: "OPTIONS",
      headers: { ...origin, "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const post = await fetch(`${server.url}/authorize`, {
      method: "POST",
      headers: origin,
      redirect: "manual",
    });
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("gateway: inbound identity headers are never trusted", () => {
  const IDENTITY = [
    "X-Auth-Request-User",
    "X-Auth-Request-Email",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Token",
  ];
  const gateway = readFileSync(join(ROOT, "deploy/nginx/tessera-gateway.conf"), "utf8");
  const identity = readFileSync(join(ROOT, "deploy/nginx/tessera-identity.conf"), "utf8");
  const sets = (text: string, header: string) =>
    new RegExp(`^\\s*proxy_set_header\\s+${header}\\s+("")?\\S*;`, "mi").test(text);

  test("the identity include replaces every X-Auth-Request-* header the client sent", () => {
    for (const header of IDENTITY) expect(sets(identity, header), header).toBe(true);
    // Only from Tessera's answer (or cleared), never from the client's own headers.
    expect(identity).not.toMatch(/\$http_x_auth_request/i);
  });

  test("every proxied location either includes the identity file or clears the headers itself", () => {
    const locations = gateway.split(/\n\s*location\s+/).slice(1);
    const proxied = locations.filter((block) =>
      /proxy_pass\s+http:\/\/app/.test(block.split(/\n\s*}\s*\n/)[0] ?? ""),
    );
    expect(proxied.length).toBeGreaterThan(0);
    for (const block of proxied) {
      const body = block.split(/\n\s*}\s*\n/)[0] ?? "";
      if (body.includes("include tessera-identity.conf")) continue;
      for (const header of IDENTITY) {
        expect(
          new RegExp(`proxy_set_header\\s+${header}\\s+"";`, "i").test(body),
          `${block.split("\n")[0]} ${header}`,
        ).toBe(true);
      }
    }
  });

  test("/auth ignores identity headers a client sends to it", async () => {
    const response = await fetch(`${server.url}/auth`, {
      headers: {
        "x-auth-request-user": "admin",
        "x-auth-request-groups": "/admins",
        "x-forwarded-user": "admin",
      },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("x-auth-request-user")).toBeNull();
  });
});
