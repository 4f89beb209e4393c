import { createHash, randomBytes } from "node:crypto";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
let web: { clientId: string; secret: string };
let spa: { clientId: string };
const WEB_REDIRECT = "https://app.example.org/callback?tenant=a";

beforeAll(async () => {
  server = await startTestServer();
  const clients = server.tessera.services.clients;
  const a = await clients.register({
    clientName: "Science Portal",
    authMethod: "client_secret_basic",
    redirectUris: [WEB_REDIRECT],
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["openid", "profile", "email", "offline_access", "storage.read:/cms"],
  });
  web = { clientId: a.client.clientId, secret: a.clientSecret as string };
  const b = await clients.register({
    clientName: "Notebook",
    authMethod: "none",
    applicationType: "native",
    redirectUris: ["http://127.0.0.1/cb", "edu.kit.data.oidc-agent:/redirect"],
    grantTypes: ["authorization_code"],
    scopes: ["openid", "profile"],
  });
  spa = { clientId: b.client.clientId };
});
afterAll(() => server.close());

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

function authorizeUrl(params: Record<string, string>) {
  return `/authorize?${new URLSearchParams(params).toString()}`;
}

async function signedIn() {
  const browser = createBrowser(server.url);
  await browser.login("admin", ADMIN_PASSWORD);
  return browser;
}

/** Walks the consent page and returns the redirect the browser is sent to. */
async function consent(browser: ReturnType<typeof createBrowser>, path: string, decision = "approve") {
  const page = await browser.get(path);
  expect(page.status).toBe(200);
  const html = await page.text();
  const csrf_token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1] as string;
  const request = /name="request" value="([^"]+)"/.exec(html)?.[1] as string;
  const decoded = request
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
  const response = await browser.post("/authorize", { csrf_token, request: decoded, decision });
  expect(response.status).toBe(303);
  return { location: new URL(response.headers.get("location") as string), page: html, headers: page.headers };
}

describe("authorization code flow", () => {
  test("login, consent, code with state and iss, token exchange with PKCE", async () => {
    const browser = createBrowser(server.url);
    const { verifier, challenge } = pkce();
    const path = authorizeUrl({
      response_type: "code",
      client_id: web.clientId,
      redirect_uri: WEB_REDIRECT,
      scope: "openid profile offline_access storage.read:/cms/mc",
      state: "xyz state",
      nonce: "n-0S6",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const toLogin = await browser.get(path);
    expect(toLogin.status).toBe(303);
    expect(toLogin.headers.get("location")).toBe(`/login?rd=${encodeURIComponent(path)}`);
    const afterLogin = await browser.login("admin", ADMIN_PASSWORD, { rd: path });
    expect(afterLogin.headers.get("location")).toBe(`${server.url}${path}`);

    const { location, page, headers } = await consent(browser, path);
    expect(page).toContain("Science Portal");
    expect(page).toContain("storage.read:/cms/mc");
    expect(headers.get("content-security-policy")).toContain("form-action 'self' https://app.example.org");
    expect(location.origin + location.pathname).toBe("https://app.example.org/callback");
    expect(location.searchParams.get("tenant")).toBe("a");
    expect(location.searchParams.get("state")).toBe("xyz state");
    expect(location.searchParams.get("iss")).toBe(server.url);
    const code = location.searchParams.get("code") as string;

    const tokens = await postForm(
      `${server.url}/token`,
      { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
      { authorization: basicAuth(web.clientId, web.secret) },
    );
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe("openid profile offline_access storage.read:/cms/mc");
    const id = decodeJwt(tokens.body.id_token as string);
    expect(id).toMatchObject({ nonce: "n-0S6", aud: web.clientId, preferred_username: "admin" });
    expect(typeof id.auth_time).toBe("number");
    const digest = createHash("sha256")
      .update(tokens.body.access_token as string)
      .digest();
    expect(id.at_hash).toBe(digest.subarray(0, 16).toString("base64url"));
    expect(tokens.body.refresh_token).toBeTruthy();

    // The code is single use; its replay revokes the refresh token it produced.
    const replay = await postForm(
      `${server.url}/token`,
      { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
      { authorization: basicAuth(web.clientId, web.secret) },
    );
    expect(replay.body.error).toBe("invalid_grant");
    const refresh = await postForm(
      `${server.url}/token`,
      { grant_type: "refresh_token", refresh_token: tokens.body.refresh_token as string },
      { authorization: basicAuth(web.clientId, web.secret) },
    );
    expect(refresh.body.error).toBe("invalid_grant");
  });

  test("public clients must use PKCE; the verifier must match; loopback redirects take any port", async () => {
    const browser = await signedIn();
    const base = { response_type: "code", client_id: spa.clientId, scope: "openid", state: "s" };
    const without = await browser.get(authorizeUrl({ ...base, redirect_uri: "http://127.0.0.1:45678/cb" }));
    const noPkce = new URL(without.headers.get("location") as string);
    expect(noPkce.searchParams.get("error")).toBe("invalid_request");
    expect(noPkce.searchParams.get("state")).toBe("s");

    const { verifier, challenge } = pkce();
    const plain = await browser.get(
      authorizeUrl({
        ...base,
        redirect_uri: "http://127.0.0.1:45678/cb",
        code_challenge: challenge,
        code_challenge_method: "plain",
      }),
    );
    expect(new URL(plain.headers.get("location") as string).searchParams.get("error")).toBe(
      "invalid_request",
    );

    const { location } = await consent(
      browser,
      authorizeUrl({
        ...base,
        redirect_uri: "http://127.0.0.1:45678/cb",
        code_challenge: challenge,
        code_challenge_method: "S256",
      }),
    );
    expect(location.host).toBe("127.0.0.1:45678");
    const code = location.searchParams.get("code") as string;
    const wrong = await postForm(`${server.url}/token`, {
      grant_type: "authorization_code",
      client_id: spa.clientId,
      code,
      redirect_uri: "http://127.0.0.1:45678/cb",
      code_verifier: pkce().verifier,
    });
    expect(wrong.body.error).toBe("invalid_grant");
    const otherPort = await postForm(`${server.url}/token`, {
      grant_type: "authorization_code",
      client_id: spa.clientId,
      code,
      redirect_uri: "http://127.0.0.1:1/cb",
      code_verifier: verifier,
    });
    expect(otherPort.body.error).toBe("invalid_grant");
  });

  test("an unregistered redirect URI is never redirected to", async () => {
    const browser = await signedIn();
    for (const redirect_uri of [
      "https://evil.example/callback",
      "https://app.example.org/callback?tenant=b",
      "https://app.example.org/callback?tenant=a#x",
      "https://APP.example.org/callback?tenant=a",
      "https://app.example.org/callback/../x?tenant=a",
    ]) {
      const response = await browser.get(
        authorizeUrl({ response_type: "code", client_id: web.clientId, redirect_uri }),
      );
      expect(response.status, redirect_uri).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
    const unknown = await browser.get(
      authorizeUrl({ response_type: "code", client_id: "nope", redirect_uri: WEB_REDIRECT }),
    );
    expect(unknown.status).toBe(400);
  });

  test("other errors go back to the client with state and iss", async () => {
    const browser = await signedIn();
    const cases: [Record<string, string>, string][] = [
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ response_type: "code", scope: "storage.read" }, "invalid_scope"],
      [{ response_type: "code", response_mode: "fragment" }, "invalid_request"],
    ];
    for (const [extra, error] of cases) {
      const response = await browser.get(
        authorizeUrl({ client_id: web.clientId, redirect_uri: WEB_REDIRECT, state: "st", ...extra }),
      );
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get("location") as string);
      expect(location.searchParams.get("error"), JSON.stringify(extra)).toBe(error);
      expect(location.searchParams.get("state")).toBe("st");
      expect(location.searchParams.get("iss")).toBe(server.url);
    }
  });

  test("denial, prompt=none and a forged consent post", async () => {
    const browser = await signedIn();
    const path = authorizeUrl({
      response_type: "code",
      client_id: web.clientId,
      redirect_uri: WEB_REDIRECT,
      // Not approved before (consent is remembered): the page is shown, prompt=none cannot pass.
      scope: "email",
      state: "d",
    });
    const { location } = await consent(browser, path, "deny");
    expect(location.searchParams.get("error")).toBe("access_denied");

    const silent = await browser.get(`${path}&prompt=none`);
    expect(new URL(silent.headers.get("location") as string).searchParams.get("error")).toBe(
      "consent_required",
    );
    const anonymous = createBrowser(server.url);
    const notSignedIn = await anonymous.get(`${path}&prompt=none`);
    expect(new URL(notSignedIn.headers.get("location") as string).searchParams.get("error")).toBe(
      "login_required",
    );

    const forged = await browser.post("/authorize", {
      request: path.split("?")[1] as string,
      decision: "approve",
    });
    expect(forged.status).toBe(403);
  });

  test("a login form that continues an authorization request lets the browser reach the client", async () => {
    // Browsers apply form-action to the whole redirect chain after a form post: POST /login →
    // /authorize → the client (remembered consent). The login page must name the client's URI.
    const rd = authorizeUrl({ response_type: "code", client_id: web.clientId, redirect_uri: WEB_REDIRECT });
    const page = await createBrowser(server.url).get(`/login?rd=${encodeURIComponent(rd)}`);
    expect(page.headers.get("content-security-policy")).toContain(
      "form-action 'self' https://app.example.org",
    );
    // Never a redirect URI the client did not register.
    const stranger = authorizeUrl({
      response_type: "code",
      client_id: web.clientId,
      redirect_uri: "https://evil.example/cb",
    });
    const other = await createBrowser(server.url).get(`/login?rd=${encodeURIComponent(stranger)}`);
    expect(other.headers.get("content-security-policy")).not.toContain("evil.example");
    const plain = await createBrowser(server.url).get("/login");
    expect(plain.headers.get("content-security-policy")).toContain("form-action 'self'");
  });

  test("discovery advertises the authorization endpoint", async () => {
    const doc = (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      authorization_endpoint: `${server.url}/authorize`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
    });
  });
});
