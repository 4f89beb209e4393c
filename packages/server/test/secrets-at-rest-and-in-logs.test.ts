import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../src/config/load.js";
import { productionLoggerOptions } from "../src/logging.js";
import { startTessera, type Tessera } from "../src/server.js";
import { type Browser, createBrowser } from "./support/browser.js";
import { basicAuth, postForm } from "./support/oauth-client.js";
import { linkIn, type SmtpSink, startSmtpSink } from "./support/smtp-sink.js";
import { createTestClock } from "./support/test-clock.js";
import { freePort } from "./support/test-server.js";
import { createTestDatabase, type TestDatabase, testDialect } from "./support/test-store.js";

/*
 * Issue 9, item 5: no secret in the logs, no secret in clear at rest.
 *
 * One Tessera with the production logger settings (src/logging.ts, as main.ts uses them) at
 * level `trace`, writing JSON lines into memory, and a real SMTP sink. The tests below run every
 * flow that issues or takes a secret, remembering each secret; the last two tests then search
 * the whole captured log and every row of every table (and, on SQLite, the raw database files)
 * for each of them.
 */

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const WEB_REDIRECT = "https://app.example.org/callback";
const STEP = 30_000;

interface Remembered {
  kind: string;
  value: string;
}
const secrets: Remembered[] = [];
/** Access and ID tokens (JWTs): never stored at all, not even hashed. */
const jwts: Remembered[] = [];
/**
 * Device-flow user codes. They are short (8 letters, about 40 bits) and typed by a person, so the
 * database keeps them in clear in `device_authorizations.user_code` as the lookup key of a
 * pending authorization: what protects them is their ten-minute life, the need for a signed-in
 * user who confirms on a page naming the client, and the guessing lockout (token-grants.test.ts).
 * A device code, the secret the client polls with, is stored hashed. So user codes may appear in
 * that one column, and nowhere else, and never in the logs.
 */
const userCodes: Remembered[] = [];

function remember(kind: string, value: unknown, into: Remembered[] = secrets): string {
  if (typeof value !== "string" || value.length < 8) throw new Error(`no ${kind} to remember: ${value}`);
  into.push({ kind, value });
  return value;
}

/** The cookies a browser holds now (session, CSRF, pending sign-in): each one a bearer secret. */
function rememberCookies(browser: Browser, where: string): void {
  for (const [name, value] of browser.jar) {
    if (value.length >= 8 && !secrets.some((s) => s.value === value))
      remember(`cookie ${name} (${where})`, value);
  }
}

const logLines: string[] = [];
let sink: SmtpSink;
let database: TestDatabase;
let tessera: Tessera;
let url: string;
const clock = createTestClock();
let adminPassword: string;
let bootstrapToken: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  database = await createTestDatabase();
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const keyEncryptionKey = randomBytes(32);
  remember("key-encryption key", keyEncryptionKey.toString("base64url"));
  remember("key-encryption key (hex)", keyEncryptionKey.toString("hex"));
  bootstrapToken = remember("bootstrap token", randomSecret());
  const config = loadConfig({
    TESSERA_ISSUER: url,
    TESSERA_PORT: String(port),
    TESSERA_DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { TESSERA_DATABASE_URL: database.databaseUrl } : {}),
    TESSERA_KEY_ENCRYPTION_KEY: keyEncryptionKey.toString("base64url"),
    TESSERA_BOOTSTRAP_TOKEN: bootstrapToken,
    // No TESSERA_ADMIN_PASSWORD: the first administrator gets a generated one-time password.
    TESSERA_ADMIN_EMAIL: "admin@example.org",
    TESSERA_SMTP_URL: sink.url,
    TESSERA_MAIL_FROM: "Tessera test <iam@example.org>",
    TESSERA_GATEWAY_AUDIT_DECISIONS: "true",
    TESSERA_LOGIN_IP_FAILURE_LIMIT: "1000",
    TESSERA_RATE_LIMIT_FORMS_PER_IP: "100000",
    // The mailer's own logger writes to standard output; it logs only failures (recipient and
    // subject, never the body) and stays quiet here.
    TESSERA_LOG_LEVEL: "silent",
  });
  tessera = await startTessera(config, {
    clock,
    store: database.open(),
    logger: {
      ...productionLoggerOptions("trace"),
      stream: { write: (line: string) => logLines.push(line) },
    },
  });
  await tessera.app.listen({ host: "127.0.0.1", port });
  adminPassword = remember("generated administrator password", tessera.bootstrap.generatedPassword);
});

afterAll(async () => {
  await tessera?.close();
  await database?.cleanup();
  await sink?.close();
});

function randomSecret(): string {
  return randomBytes(32).toString("base64url");
}

async function json(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

/** The REST API as the operator, with the bootstrap token. */
async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${bootstrapToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await json(response) };
}

/** A page's CSRF token, remembered. */
async function csrfOf(browser: Browser, path: string): Promise<string> {
  const html = await (await browser.get(path)).text();
  return remember(`CSRF token (${path})`, /name="csrf_token" value="([^"]+)"/.exec(html)?.[1]);
}

async function signIn(username: string, password: string, browser = createBrowser(url)) {
  const csrf_token = await csrfOf(browser, "/login");
  const response = await browser.post("/login", { username, password, csrf_token });
  rememberCookies(browser, `sign-in of ${username}`);
  return { browser, response };
}

/** A REST call from a signed-in browser: session cookie plus X-CSRF-Token. */
async function asUser(browser: Browser, method: string, path: string, body?: unknown) {
  const csrf = await csrfOf(browser, "/");
  const response = await browser.request(`/api/v1${path}`, {
    method,
    headers: {
      accept: "application/json",
      "x-csrf-token": csrf,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await json(response) };
}

function rememberTokens(flow: string, body: Record<string, unknown>): Record<string, unknown> {
  remember(`access token (${flow})`, body.access_token, jwts);
  if (body.id_token !== undefined) remember(`ID token (${flow})`, body.id_token, jwts);
  if (body.refresh_token !== undefined) remember(`refresh token (${flow})`, body.refresh_token);
  return body;
}

function pkce() {
  const verifier = remember("PKCE code verifier", randomBytes(32).toString("base64url"));
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

const totpCode = (secret: string, steps = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: clock.now() + steps * STEP });

let web: { id: string; secret: string };
let cli: { id: string; secret: string };
let device: { id: string };
const USER_PASSWORD = "walter's long enough password";

describe("flows that issue or take secrets", () => {
  test("the administrator signs in with the generated password; a near miss is refused", async () => {
    const miss = remember("mistyped password", `${adminPassword}x`);
    expect((await signIn("admin", miss)).response.status).toBe(401);
    const { browser, response } = await signIn("admin", adminPassword);
    expect(response.status).toBe(303);
    expect((await browser.get("/")).status).toBe(200);
  });

  test("clients: created over the API, secret rotated, dynamic registration", async () => {
    const a = await api("POST", "/clients", {
      client_name: "Portal",
      redirect_uris: [WEB_REDIRECT],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "client_secret_basic",
      scope: "openid profile email offline_access storage.read:/cms",
    });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    remember("client secret (API)", a.body.client_secret);
    const rotated = await api("POST", `/clients/${a.body.client_id}/secret`);
    expect(rotated.status).toBe(200);
    web = {
      id: a.body.client_id as string,
      secret: remember("client secret (rotated)", rotated.body.client_secret),
    };

    const b = await api("POST", "/clients", {
      client_name: "Trusted CLI",
      grant_types: ["password", "refresh_token", "client_credentials"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid profile offline_access storage.read:/cms",
    });
    expect(b.status).toBe(201);
    cli = { id: b.body.client_id as string, secret: remember("client secret (API)", b.body.client_secret) };

    const c = await api("POST", "/clients", {
      client_name: "tessera-cli",
      application_type: "native",
      grant_types: [DEVICE_GRANT, "refresh_token"],
      token_endpoint_auth_method: "none",
      scope: "openid profile offline_access storage.read:/cms",
    });
    expect(c.status).toBe(201);
    device = { id: c.body.client_id as string };

    const registered = await fetch(`${url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "oidc-agent:secrets",
        application_type: "web",
        redirect_uris: ["http://localhost:8080"],
        grant_types: ["refresh_token", "authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        scope: "openid profile offline_access",
      }),
    });
    expect(registered.status).toBe(201);
    const body = await json(registered);
    remember("client secret (dynamic registration)", body.client_secret);
    const token = remember("registration access token", body.registration_access_token);
    const read = await fetch(body.registration_client_uri as string, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
  });

  test("authorization code with PKCE, refresh, introspection, userinfo, revocation", async () => {
    const { browser } = await signIn("admin", adminPassword);
    const { verifier, challenge } = pkce();
    const params = new URLSearchParams({
      response_type: "code",
      client_id: web.id,
      redirect_uri: WEB_REDIRECT,
      scope: "openid profile offline_access storage.read:/cms",
      state: "state-1",
      nonce: "nonce-1",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    const path = `/authorize?${params.toString()}`;
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csrf_token = remember("CSRF token (consent)", /name="csrf_token" value="([^"]+)"/.exec(html)?.[1]);
    const request = (/name="request" value="([^"]+)"/.exec(html)?.[1] ?? "")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
    const approved = await browser.post("/authorize", { csrf_token, request, decision: "approve" });
    expect(approved.status).toBe(303);
    const location = new URL(approved.headers.get("location") as string);
    const code = remember("authorization code", location.searchParams.get("code"));

    const auth = { authorization: basicAuth(web.id, web.secret) };
    const tokens = await postForm(
      `${url}/token`,
      { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
      auth,
    );
    expect(tokens.status).toBe(200);
    rememberTokens("authorization code", tokens.body);
    const refreshed = await postForm(
      `${url}/token`,
      { grant_type: "refresh_token", refresh_token: tokens.body.refresh_token as string },
      auth,
    );
    expect(refreshed.status).toBe(200);
    rememberTokens("refresh", refreshed.body);

    const introspected = await postForm(
      `${url}/introspect`,
      { token: refreshed.body.access_token as string },
      auth,
    );
    expect(introspected.body.active).toBe(true);
    const userinfo = await fetch(`${url}/userinfo`, {
      headers: { authorization: `Bearer ${refreshed.body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    const revoked = await fetch(`${url}/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...auth },
      body: new URLSearchParams({ token: refreshed.body.refresh_token as string }).toString(),
    });
    expect(revoked.status).toBe(200);
    // A replayed code (revokes what it produced) and a wrong client secret.
    const replay = await postForm(
      `${url}/token`,
      { grant_type: "authorization_code", code, redirect_uri: WEB_REDIRECT, code_verifier: verifier },
      auth,
    );
    expect(replay.body.error).toBe("invalid_grant");
    const wrongSecret = remember("wrong client secret", randomSecret());
    const wrong = await postForm(
      `${url}/token`,
      { grant_type: "refresh_token", refresh_token: tokens.body.refresh_token as string },
      { authorization: basicAuth(web.id, wrongSecret) },
    );
    expect(wrong.status).toBe(401);
  });

  test("password, client-credentials and refresh grants", async () => {
    const account = await api("POST", "/accounts", {
      username: "walter",
      name: "Walter",
      email: "walter@example.org",
      password: remember("user password (created over the API)", USER_PASSWORD),
    });
    expect(account.status, JSON.stringify(account.body)).toBe(201);
    const password = await postForm(`${url}/token`, {
      grant_type: "password",
      client_id: cli.id,
      client_secret: cli.secret,
      username: "walter",
      password: USER_PASSWORD,
      scope: "openid profile offline_access storage.read:/cms",
    });
    expect(password.status).toBe(200);
    rememberTokens("password grant", password.body);
    const refreshed = await postForm(`${url}/token`, {
      grant_type: "refresh_token",
      client_id: cli.id,
      client_secret: cli.secret,
      refresh_token: password.body.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    rememberTokens("refresh of a password grant", refreshed.body);
    const wrong = await postForm(`${url}/token`, {
      grant_type: "password",
      client_id: cli.id,
      client_secret: cli.secret,
      username: "walter",
      password: remember("mistyped password (password grant)", `${USER_PASSWORD}!`),
    });
    expect(wrong.body.error).toBe("invalid_grant");
    const service = await postForm(`${url}/token`, {
      grant_type: "client_credentials",
      client_id: cli.id,
      client_secret: cli.secret,
      scope: "storage.read:/cms",
    });
    expect(service.status).toBe(200);
    rememberTokens("client credentials", service.body);
  });

  test("device flow: codes, approval in the browser, tokens", async () => {
    const started = await postForm(`${url}/devicecode`, {
      client_id: device.id,
      scope: "openid offline_access storage.read:/cms",
    });
    expect(started.status).toBe(200);
    const deviceCode = remember("device code", started.body.device_code);
    const userCode = remember("user code", started.body.user_code, userCodes);
    remember("user code (normalised)", userCode.replace("-", ""), userCodes);
    const poll = () =>
      postForm(`${url}/token`, { grant_type: DEVICE_GRANT, client_id: device.id, device_code: deviceCode });
    expect((await poll()).body.error).toBe("authorization_pending");

    const { browser } = await signIn("walter", USER_PASSWORD);
    const csrf_token = await csrfOf(browser, `/device?user_code=${userCode}`);
    const approved = await browser.post("/device", { csrf_token, user_code: userCode, decision: "approve" });
    expect(approved.status).toBe(200);
    clock.advance(10_000);
    const tokens = await poll();
    expect(tokens.status).toBe(200);
    rememberTokens("device flow", tokens.body);
    // A guessed user code, typed by someone else: refused, and not logged either.
    const guess = remember("guessed user code", "BCDF-GHJK", userCodes);
    expect((await browser.get(`/device?user_code=${guess}`)).status).toBe(400);
  });

  test("sign-up with email verification, approval, sign-in", async () => {
    const password = remember("user password (sign-up form)", "ursula's sign-up passphrase");
    const browser = createBrowser(url);
    const csrf_token = await csrfOf(browser, "/signup");
    const response = await browser.post("/signup", {
      csrf_token,
      username: "ursula",
      name: "Ursula",
      email: "ursula@example.org",
      notes: "Muon detector.",
      password,
      aup: "accepted",
    });
    expect(response.status).toBe(200);
    const mail = await sink.waitFor((m) => m.to.includes("ursula@example.org") && /confirm/i.test(m.subject));
    const link = linkIn(mail, `${url}/signup/verify?token=`);
    remember("email verification token", new URL(link).searchParams.get("token"));
    expect((await createBrowser(url).get(link.slice(url.length))).status).toBe(200);
    const pending = await api("GET", "/registrations?status=pending");
    const item = (pending.body.items as Array<Record<string, unknown>>).find((r) => r.username === "ursula");
    expect((await api("POST", `/registrations/${item?.id}/approve`)).status).toBe(200);
    expect((await signIn("ursula", password)).response.status).toBe(303);

    // The REST sign-up takes a password too.
    const viaApi = await fetch(`${url}/api/v1/registrations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username: "victor",
        name: "Victor",
        email: "victor@example.org",
        password: remember("user password (REST sign-up)", "victor's REST sign-up passphrase"),
        aup_accepted: true,
      }),
    });
    expect(viaApi.status).toBe(201);
    const verify = await sink.waitFor((m) => m.to.includes("victor@example.org"));
    remember(
      "email verification token",
      new URL(linkIn(verify, `${url}/signup/verify?token=`)).searchParams.get("token"),
    );
  });

  test("password reset by email", async () => {
    const browser = createBrowser(url);
    const csrf_token = await csrfOf(browser, "/login/reset");
    expect((await browser.post("/login/reset", { csrf_token, identifier: "walter" })).status).toBe(200);
    const mail = await sink.waitFor((m) => m.to.includes("walter@example.org") && /reset/i.test(m.subject));
    const link = linkIn(mail, `${url}/login/reset/confirm?token=`);
    const token = remember("password reset token", new URL(link).searchParams.get("token"));
    const form = createBrowser(url);
    const confirmCsrf = await csrfOf(form, link.slice(url.length));
    const fresh = remember("user password (set by reset)", "walter's brand new password");
    const done = await form.post("/login/reset/confirm", { csrf_token: confirmCsrf, token, password: fresh });
    expect(done.status).toBe(200);
    expect((await signIn("walter", fresh)).response.status).toBe(303);
  });

  test("TOTP: enrolment, sign-in with a code and with a recovery code, new recovery codes", async () => {
    const password = "tilda's long enough password";
    expect(
      (
        await api("POST", "/accounts", {
          username: "tilda",
          name: "Tilda",
          email: "tilda@example.org",
          password: remember("user password (created over the API)", password),
        })
      ).status,
    ).toBe(201);
    const { browser } = await signIn("tilda", password);
    const started = await asUser(browser, "POST", "/me/totp");
    expect(started.status).toBe(201);
    const secret = remember("TOTP secret", started.body.secret);
    const raw = Buffer.from(Secret.fromBase32(secret).bytes);
    remember("TOTP secret (hex)", raw.toString("hex"));
    remember("TOTP secret (base64)", raw.toString("base64"));
    remember("TOTP secret (base32, lower case)", secret.toLowerCase());
    const confirmed = await asUser(browser, "POST", "/me/totp/confirm", { code: totpCode(secret) });
    expect(confirmed.status).toBe(200);
    const codes = confirmed.body.recovery_codes as string[];
    for (const code of codes) {
      remember("TOTP recovery code", code);
      remember("TOTP recovery code (normalised)", code.replace(/-/g, ""));
    }
    clock.advance(STEP);

    const withCode = await signIn("tilda", password);
    expect(withCode.response.headers.get("location")).toBe("/login/totp");
    const csrf_token = await csrfOf(withCode.browser, "/login/totp");
    rememberCookies(withCode.browser, "pending TOTP sign-in");
    const second = await withCode.browser.post("/login/totp", { code: totpCode(secret), csrf_token });
    expect(second.status).toBe(303);
    rememberCookies(withCode.browser, "after TOTP");

    const withRecovery = await signIn("tilda", password);
    const recoveryCsrf = await csrfOf(withRecovery.browser, "/login/totp");
    rememberCookies(withRecovery.browser, "pending TOTP sign-in");
    const recovered = await withRecovery.browser.post("/login/totp", {
      code: codes[0] as string,
      csrf_token: recoveryCsrf,
    });
    expect(recovered.status).toBe(303);
    rememberCookies(withRecovery.browser, "after a recovery code");

    clock.advance(STEP);
    const renewed = await asUser(withRecovery.browser, "POST", "/me/totp/recovery-codes", {
      code: totpCode(secret),
    });
    expect(renewed.status).toBe(200);
    for (const code of renewed.body.recovery_codes as string[])
      remember("TOTP recovery code (renewed)", code);
  });

  test("user tokens and delegated tokens at the gateway; logout", async () => {
    const { browser } = await signIn("ursula", "ursula's sign-up passphrase");
    const created = await asUser(browser, "POST", "/me/tokens", {
      name: "laptop",
      scopes: ["storage.read:/cms"],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = remember("user token", created.body.token);
    expect(token).toMatch(/^tsr_/);
    // The key (between tsr_ and the dot) is the token's public name; the part after the dot is the secret.
    remember("user token secret part", token.split(".")[1]);

    const bearer = { authorization: `Bearer ${token}` };
    const delegated = await fetch(`${url}/auth?delegate_to=portal&delegate_scope=storage.read:/cms`, {
      headers: bearer,
    });
    expect(delegated.status).toBe(200);
    const child = remember(
      "delegated token (from a user token)",
      delegated.headers.get("x-auth-request-token"),
    );
    remember("delegated token secret part", child.split(".")[1]);
    expect((await fetch(`${url}/auth`, { headers: { authorization: `Bearer ${child}` } })).status).toBe(200);

    const fromSession = await browser.get("/auth?delegate_to=svc&delegate_scope=storage.read:/cms");
    expect(fromSession.status).toBe(200);
    const sessionChild = remember(
      "delegated token (from a session)",
      fromSession.headers.get("x-auth-request-token"),
    );
    remember("delegated token secret part", sessionChild.split(".")[1]);

    rememberCookies(browser, "before logout");
    const csrf_token = await csrfOf(browser, "/logout");
    expect((await browser.post("/logout", { csrf_token })).status).toBe(303);
  });
});

/** Every place a remembered secret occurs in `text`, in its own form and URL-encoded. */
function occurrences(list: Remembered[], text: string): Remembered[] {
  return list.filter(({ value }) => text.includes(value) || text.includes(encodeURIComponent(value)));
}

/** The text around a secret's first occurrence, to say where it leaked. */
function around(text: string, secret: string): string {
  const at = Math.max(text.indexOf(secret), text.indexOf(encodeURIComponent(secret)));
  return text.slice(Math.max(0, at - 80), at + secret.length + 40);
}

describe("where the secrets went", () => {
  test("the flows above produced secrets of every kind, and the log saw them all pass", () => {
    const kinds = new Set(secrets.map((s) => s.kind.replace(/ \(.*\)$/, "")));
    for (const kind of [
      "generated administrator password",
      "bootstrap token",
      "key-encryption key",
      "user password",
      "mistyped password",
      "CSRF token",
      "client secret",
      "registration access token",
      "authorization code",
      "PKCE code verifier",
      "refresh token",
      "device code",
      "email verification token",
      "password reset token",
      "TOTP secret",
      "TOTP recovery code",
      "user token",
      "delegated token",
    ])
      expect(kinds, kind).toContain(kind);
    expect(secrets.some((s) => s.kind.startsWith("cookie tessera_session"))).toBe(true);
    expect(jwts.length).toBeGreaterThanOrEqual(8);
    // The capture works: trace level, one JSON object a line, requests of every flow.
    const log = logLines.join("");
    expect(logLines.length).toBeGreaterThan(100);
    for (const line of logLines) expect(() => JSON.parse(line)).not.toThrow();
    for (const path of ["/token", "/login", "/authorize", "/devicecode", "/auth", "/login/totp", "/register"])
      expect(log).toContain(`"path":"${path}"`);
  });

  test("no secret appears in the log", () => {
    const leaks: string[] = [];
    logLines.forEach((line, n) => {
      for (const found of occurrences([...secrets, ...jwts, ...userCodes], line))
        leaks.push(`${found.kind} in log line ${n + 1}: …${around(line, found.value)}…`);
    });
    expect(leaks).toEqual([]);
  });

  test("no secret is stored in clear; access and ID tokens are not stored at all", async () => {
    const db = tessera.store.db;
    const tables =
      testDialect === "postgres"
        ? (
            await sql<{ name: string }>`select distinct table_name as name from information_schema.columns
              where table_schema = current_schema() order by 1`.execute(db)
          ).rows
        : (
            await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'table' order by 1`.execute(db)
          ).rows;
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(["accounts", "clients", "refresh_tokens", "totp_credentials", "user_tokens"]),
    );
    const leaks: string[] = [];
    let cells = 0;
    for (const { name } of tables) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          if (value === null || value === undefined) continue;
          cells += 1;
          const texts =
            value instanceof Uint8Array
              ? [Buffer.from(value).toString("latin1"), Buffer.from(value).toString("utf8")]
              : [typeof value === "object" ? JSON.stringify(value) : String(value)];
          for (const text of texts) {
            for (const found of occurrences(secrets, text))
              leaks.push(`${found.kind} in clear in ${name}.${column}`);
            for (const found of occurrences(jwts, text))
              leaks.push(`${found.kind} stored in ${name}.${column}`);
            // Not even the signature of a JWT (the part no one could rebuild from claims).
            for (const { kind, value: jwt } of jwts)
              if (text.includes(jwt.split(".")[2] as string))
                leaks.push(`${kind} signature in ${name}.${column}`);
            if (!(name === "device_authorizations" && column === "user_code"))
              for (const found of occurrences(userCodes, text))
                leaks.push(`${found.kind} outside device_authorizations.user_code: ${name}.${column}`);
          }
        }
      }
    }
    expect(cells).toBeGreaterThan(100);
    expect([...new Set(leaks)]).toEqual([]);
  });

  test.skipIf(testDialect !== "sqlite")(
    "SQLite: the database files on disk (database, WAL) hold no secret either",
    async () => {
      // Checkpoint nothing first: the write-ahead log is read as it stands, with the main file.
      const files = readdirSync(database.dataDir).filter((f) => f.startsWith("tessera.sqlite"));
      expect(files).toContain("tessera.sqlite");
      const leaks: string[] = [];
      for (const file of files) {
        const bytes = readFileSync(join(database.dataDir, file)).toString("latin1");
        for (const found of occurrences([...secrets, ...jwts], bytes)) leaks.push(`${found.kind} in ${file}`);
      }
      expect(leaks).toEqual([]);
    },
  );
});
