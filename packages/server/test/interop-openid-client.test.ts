// Interoperability: a real Tessera driven by openid-client (a certified OpenID Connect relying
// party library) and a real browser (headless Chromium through playwright-core) on the real
// login, consent and device pages. openid-client checks what a strict client checks: the `iss`
// and `state` of the authorization response, PKCE, the ID token's signature, issuer, audience,
// nonce and times, the userinfo subject, and the shape of every JSON answer.
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import * as oidc from "openid-client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { chromiumPath, useChromium } from "./support/chromium.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** Browser tests are skipped only on a local run without Chromium; scripts/test.sh fails in CI. */
const browserTest = test.skipIf(!chromiumPath);
/** Set to a folder (docs/screenshots refreshes the documentation) to keep page screenshots. */
const screenshotDir = process.env.TESSERA_SCREENSHOT_DIR
  ? resolve(process.env.TESSERA_SCREENSHOT_DIR)
  : undefined;

const chromium = useChromium();
let server: TestServer;
let issuer: URL;
let relyingParty: CallbackServer;
let web: { clientId: string; secret: string; redirectUri: string };
let service: { clientId: string; secret: string };
let device: { clientId: string };

beforeAll(async () => {
  relyingParty = await startCallbackServer();
  server = await startTestServer({ TESSERA_DEVICE_POLL_INTERVAL: "1s" });
  issuer = new URL(server.url);
  const clients = server.tessera.services.clients;
  const redirectUri = `${relyingParty.url}/cb`;
  const a = await clients.register({
    clientName: "Interop Portal",
    authMethod: "client_secret_basic",
    redirectUris: [redirectUri],
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["openid", "profile", "email", "offline_access", "wlcg", "storage.read:/cms"],
  });
  web = { clientId: a.client.clientId, secret: a.clientSecret as string, redirectUri };
  const b = await clients.register({
    clientName: "Interop Service",
    clientId: "interop service",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials"],
    scopes: ["storage.read:/cms", "compute.read"],
  });
  service = { clientId: b.client.clientId, secret: b.clientSecret as string };
  const c = await clients.register({
    clientName: "Interop Device",
    authMethod: "none",
    applicationType: "native",
    grantTypes: [DEVICE_GRANT, "refresh_token"],
    scopes: ["openid", "profile", "offline_access", "wlcg", "storage.read:/cms"],
  });
  device = { clientId: c.client.clientId };
});
afterAll(async () => {
  await server?.close();
  await relyingParty?.close();
});

/**
 * The test server's clock is frozen, while openid-client checks ID token times against the real
 * one: every request openid-client sends first moves the server's clock to the real time.
 */
function syncedFetch(): oidc.CustomFetch {
  return (url, options) => {
    server.clock.set(Date.now());
    return fetch(url, options as RequestInit);
  };
}

function options(): oidc.DiscoveryRequestOptions {
  return { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: syncedFetch() };
}

/** Discovery through openid-client, as every relying party starts. */
function discover(clientId: string, auth: oidc.ClientAuth, metadata?: Partial<oidc.ClientMetadata>) {
  return oidc.discovery(issuer, clientId, metadata, auth, options());
}

async function screenshot(page: Page, name: string) {
  if (!screenshotDir) return;
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/** What the browser reported (CSP violations, failed loads), to explain a stuck journey. */
function consoleOf(page: Page): string[] {
  const lines: string[] = [];
  page.on("console", (message) => lines.push(`${message.type()}: ${message.text()}`));
  return lines;
}

/** Runs a browser step; when it fails, says where the browser was and what it reported. */
async function step<T>(page: Page, log: string[], what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const text = (await page.textContent("body").catch(() => ""))?.replace(/\s+/g, " ").trim();
    throw new Error(
      `${what} failed at ${page.url()}: ${(error as Error).message.split("\n")[0]}\n` +
        `page: ${text?.slice(0, 300)}\nconsole:\n${log.join("\n")}`,
    );
  }
}

/** Submits a form by clicking a button and returns the status of the POST it sends. */
async function submit(page: Page, button: string, path: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === path),
    page.getByRole("button", { name: button }).click(),
  ]);
  return response.status();
}

/** Signs in on Tessera's login page if the browser is sent there. */
async function signInIfAsked(page: Page) {
  if (new URL(page.url()).pathname !== "/login") return;
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(ADMIN_PASSWORD);
  await screenshot(page, "login");
  const status = await submit(page, "Sign in", "/login");
  if (status !== 303) throw new Error(`POST /login answered ${status}, not 303`);
}

/**
 * The user's part of the authorization code flow: open the authorization URL, sign in, approve
 * the consent page if it appears (remembered consent skips it), and land on the client's
 * redirect URI, whose request the relying party's server records.
 */
async function authorizeInBrowser(page: Page, url: URL): Promise<URL> {
  server.clock.set(Date.now());
  const log = consoleOf(page);
  const callback = relyingParty.next();
  const landed = (u: URL) => u.origin === relyingParty.url;
  await page.goto(url.href);
  await step(page, log, "sign-in", async () => {
    await signInIfAsked(page);
    await page.waitForURL((u) => landed(u) || u.pathname === "/authorize");
  });
  if (!landed(new URL(page.url()))) {
    expect(await page.textContent("body")).toContain("Interop Portal");
    await screenshot(page, "consent");
    await step(page, log, "consent", async () => {
      await page.getByRole("button", { name: "Approve" }).click();
      await page.waitForURL(landed);
    });
  }
  expect(await page.textContent("body")).toContain("You may close this window");
  return callback;
}

/** The user's part of the device flow: open the verification URI, sign in, approve the device. */
async function approveDeviceInBrowser(page: Page, verificationUriComplete: string, clientName: string) {
  server.clock.set(Date.now());
  const log = consoleOf(page);
  await page.goto(verificationUriComplete);
  await step(page, log, "sign-in", async () => {
    await signInIfAsked(page);
    await page.waitForURL((u) => u.pathname === "/device");
  });
  if ((await page.getByRole("button", { name: "Approve" }).count()) > 0) {
    expect(await page.textContent("body")).toContain(clientName);
    await screenshot(page, "device");
    const status = await step(page, log, "device approval", () => submit(page, "Approve", "/device"));
    expect(status).toBe(200);
  }
  expect(await page.textContent("body")).toContain("Device approved");
}

/**
 * A device flow: openid-client polls while the user approves in the browser; the polling stops
 * when the browser part fails, so a failed test leaves nothing running.
 */
async function deviceFlow(config: oidc.Configuration, scope: string, clientName: string) {
  const page = await chromium.newPage();
  const started = await oidc.initiateDeviceAuthorization(config, { scope });
  const stop = new AbortController();
  try {
    const [tokens] = await Promise.all([
      oidc.pollDeviceAuthorizationGrant(config, started, undefined, {
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(30_000)]),
      }),
      approveDeviceInBrowser(page, started.verification_uri_complete as string, clientName),
    ]);
    return { started, tokens };
  } finally {
    stop.abort();
  }
}

/** openid-client's rejection of a token endpoint error, as its OAuth error code. */
async function oauthError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) return error.error;
    // A 401 with a challenge (RFC 6749 5.2): the OAuth error is in the JSON body.
    if (error instanceof oidc.WWWAuthenticateChallengeError) {
      expect(error.cause[0]?.scheme).toBe("basic");
      return ((await error.response.json()) as { error: string }).error;
    }
    throw error;
  }
  throw new Error("expected an OAuth error response");
}

describe("openid-client against Tessera", () => {
  test("discovery: the metadata passes openid-client's checks and names every endpoint", async () => {
    const config = await discover(web.clientId, oidc.ClientSecretBasic(web.secret));
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.supportsPKCE()).toBe(true);
    expect(metadata).toMatchObject({
      authorization_endpoint: `${server.url}/authorize`,
      token_endpoint: `${server.url}/token`,
      device_authorization_endpoint: `${server.url}/devicecode`,
      userinfo_endpoint: `${server.url}/userinfo`,
      introspection_endpoint: `${server.url}/introspect`,
      revocation_endpoint: `${server.url}/revoke`,
      registration_endpoint: `${server.url}/register`,
      jwks_uri: `${server.url}/jwk`,
    });
  });

  browserTest(
    "code + PKCE in Chromium, then userinfo, refresh with rotation, introspection, revocation",
    async () => {
      const config = await discover(web.clientId, oidc.ClientSecretBasic(web.secret));
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: web.redirectUri,
        scope: "openid profile email offline_access storage.read:/cms/data",
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
      expect(url.origin + url.pathname).toBe(`${server.url}/authorize`);

      const page = await chromium.newPage();
      const callback = await authorizeInBrowser(page, url);
      expect(callback.searchParams.get("iss")).toBe(server.url);

      // openid-client checks iss and state, sends the verifier, validates the ID token.
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: codeVerifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      expect(tokens.token_type.toLowerCase()).toBe("bearer");
      expect(tokens.scope).toBe("openid profile email offline_access storage.read:/cms/data");
      expect(tokens.refresh_token).toBeTruthy();
      const claims = tokens.claims();
      expect(claims).toMatchObject({
        iss: server.url,
        aud: web.clientId,
        nonce,
        preferred_username: "admin",
      });

      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub as string);
      expect(userinfo).toMatchObject({ sub: claims?.sub, preferred_username: "admin" });

      // Refresh rotates: a new refresh token, and the old one is spent.
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
      expect(refreshed.refresh_token).toBeTruthy();
      expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
      expect(refreshed.claims()?.sub).toBe(claims?.sub);

      const active = await oidc.tokenIntrospection(config, refreshed.access_token);
      expect(active).toMatchObject({
        active: true,
        sub: claims?.sub,
        client_id: web.clientId,
        iss: server.url,
        scope: "openid profile email offline_access storage.read:/cms/data",
      });
      await oidc.tokenRevocation(config, refreshed.access_token);
      expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
      await expect(
        oidc.fetchUserInfo(config, refreshed.access_token, oidc.skipSubjectCheck),
      ).rejects.toThrow();

      // Reusing the spent refresh token fails, and (reuse detection) ends the whole family.
      expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token as string))).toBe(
        "invalid_grant",
      );
      expect(await oauthError(oidc.refreshTokenGrant(config, refreshed.refresh_token as string))).toBe(
        "invalid_grant",
      );
    },
  );

  browserTest("a second sign-in for the same client reaches the client again", async () => {
    // After one approval the consent page may be remembered and skipped; either way the browser,
    // starting signed out, must end on the redirect URI (CSP form-action must not block it).
    const config = await discover(web.clientId, oidc.ClientSecretBasic(web.secret));
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: web.redirectUri,
      scope: "openid profile",
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      state,
    });
    const callback = await authorizeInBrowser(await chromium.newPage(), url);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: codeVerifier,
      expectedState: state,
    });
    expect(tokens.claims()?.preferred_username).toBe("admin");
  });

  browserTest("device flow: openid-client polls while the user approves in Chromium", async () => {
    const config = await discover(device.clientId, oidc.None());
    const { started, tokens } = await deviceFlow(
      config,
      "openid profile offline_access storage.read:/cms",
      "Interop Device",
    );
    expect(started.interval).toBe(1);
    expect(started.verification_uri).toBe(`${server.url}/device`);
    expect(tokens.scope).toBe("openid profile offline_access storage.read:/cms");
    expect(tokens.claims()).toMatchObject({
      iss: server.url,
      aud: device.clientId,
      preferred_username: "admin",
    });

    // A public client refreshes and revokes with its client_id alone.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    await oidc.tokenRevocation(config, refreshed.refresh_token as string);
    expect(await oauthError(oidc.refreshTokenGrant(config, refreshed.refresh_token as string))).toBe(
      "invalid_grant",
    );
  });

  test("client credentials, introspection and revocation for a confidential service", async () => {
    // A client_id with a space: openid-client form-encodes it inside HTTP Basic (RFC 6749 2.3.1).
    const config = await discover(service.clientId, oidc.ClientSecretBasic(service.secret));
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "storage.read:/cms/mc compute.read" });
    expect(tokens.scope).toBe("storage.read:/cms/mc compute.read");
    expect(tokens.expires_in).toBe(1200);
    expect(tokens.refresh_token).toBeUndefined();

    const active = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: service.clientId, sub: service.clientId });
    expect(active).toMatchObject({
      iss: server.url,
      aud: "https://wlcg.cern.ch/jwt/v1/any",
      token_type: "Bearer",
    });
    await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: "access_token" });
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);

    const wrong = await discover(service.clientId, oidc.ClientSecretBasic("not the secret"));
    expect(await oauthError(oidc.clientCredentialsGrant(wrong, { scope: "compute.read" }))).toBe(
      "invalid_client",
    );
  });

  browserTest("dynamic registration through openid-client, then a device flow with that client", async () => {
    const config = await oidc.dynamicClientRegistration(
      issuer,
      {
        client_name: "openid-client interop",
        application_type: "native",
        token_endpoint_auth_method: "none",
        grant_types: [DEVICE_GRANT, "refresh_token"],
        response_types: [],
        redirect_uris: [],
        scope: "openid profile offline_access",
      },
      oidc.None(),
      options(),
    );
    const metadata = config.clientMetadata();
    expect(metadata.client_id).toBeTruthy();
    expect(metadata.client_secret).toBeUndefined();
    expect(metadata.registration_access_token).toBeTruthy();
    expect(metadata.registration_client_uri).toBe(`${server.url}/register/${metadata.client_id}`);

    const { tokens } = await deviceFlow(config, "openid profile offline_access", "openid-client interop");
    expect(tokens.claims()).toMatchObject({ aud: metadata.client_id, preferred_username: "admin" });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string);
    expect(userinfo.preferred_username).toBe("admin");
  });
});

interface CallbackServer {
  /** Origin of the relying party, `http://127.0.0.1:<port>`. */
  url: string;
  /** The next request to the redirect URI, as the full URL the browser was sent to. */
  next(): Promise<URL>;
  close(): Promise<void>;
}

/** The relying party's own web server: records each redirect back from Tessera. */
async function startCallbackServer(): Promise<CallbackServer> {
  const waiting: ((url: URL) => void)[] = [];
  let origin = "";
  const http: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", origin);
    if (url.pathname === "/cb") waiting.shift()?.(url);
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end("<!doctype html><title>Relying party</title><p>You may close this window.</p>");
  });
  await new Promise<void>((done) => http.listen(0, "127.0.0.1", done));
  origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    url: origin,
    next: () => new Promise<URL>((done) => waiting.push(done)),
    close: () => new Promise<void>((done) => http.close(() => done())),
  };
}
