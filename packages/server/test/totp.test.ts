import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Secret, TOTP } from "otpauth";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Browser, createBrowser } from "./support/browser.js";
import { postForm } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const BOOTSTRAP = "bootstrap-token-0123456789abcdef0123456789";
const PASSWORD = "a long enough password";
const STEP = 30_000;
let server: TestServer;
let cli: { client_id: string; client_secret: string };
let github: Server;
const settings: Record<string, string> = {
  TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
  TESSERA_LOGIN_ACCOUNT_FAILURE_LIMIT: "3",
  TESSERA_LOGIN_IP_FAILURE_LIMIT: "1000",
  TESSERA_LOGIN_LOCKOUT_BASE: "60s",
};

beforeAll(async () => {
  // A stand-in for GitHub (OAuth 2.0 + its REST API), so federated logins run over real HTTP.
  github = createServer(fakeGithub);
  await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
  const githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
  const configFile = join(mkdtempSync(join(tmpdir(), "tessera-totp-")), "tessera.yaml");
  writeFileSync(
    configFile,
    `federation:
  providers:
    - id: github
      type: github
      clientId: gh-client
      clientSecret: gh-secret
      trusted: true
      authorizeUrl: ${githubUrl}/login/oauth/authorize
      tokenUrl: ${githubUrl}/login/oauth/access_token
      apiBaseUrl: ${githubUrl}/api
`,
  );
  settings.TESSERA_CONFIG = configFile;
  server = await startTestServer(settings);
  cli = await passwordClient(server);
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => github.close(resolve));
});

function fakeGithub(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://github.test");
  const json = (body: unknown) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === "/login/oauth/authorize") {
    const back = new URL(url.searchParams.get("redirect_uri") as string);
    back.searchParams.set("code", "gh-code");
    back.searchParams.set("state", url.searchParams.get("state") as string);
    res.writeHead(302, { location: back.href });
    res.end();
  } else if (url.pathname === "/login/oauth/access_token") {
    req.resume();
    req.on("end", () => json({ access_token: "gh-token", token_type: "bearer" }));
  } else if (url.pathname === "/api/user") json({ id: 7, login: "octo", name: "Octo", email: null });
  else if (url.pathname === "/api/user/emails")
    json([{ email: "octo@example.org", primary: true, verified: true }]);
  else if (url.pathname === "/api/user/teams") json([]);
  else {
    res.writeHead(404);
    res.end();
  }
}

/** Signs in through the GitHub stand-in; returns Tessera's answer to the callback. */
async function githubLogin(browser: Browser) {
  const start = await browser.get("/login/federated/github");
  const upstream = await fetch(start.headers.get("location") as string, { redirect: "manual" });
  const callback = new URL(upstream.headers.get("location") as string);
  return browser.get(`${callback.pathname}${callback.search}`);
}

async function passwordClient(target: TestServer) {
  const response = await fetch(`${target.url}/api/v1/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP}`, "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "totp cli",
      grant_types: ["password"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid",
    }),
  });
  return (await response.json()) as { client_id: string; client_secret: string };
}

async function newUser(username: string, target = server) {
  const account = await target.tessera.services.accounts.create({
    username,
    name: `User ${username}`,
    email: `${username}@example.org`,
    password: PASSWORD,
  });
  return account;
}

/** The code an authenticator app shows now (the server's frozen clock), optionally some steps away. */
function codeFor(secret: string, target = server, steps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret) }).generate({
    timestamp: target.clock.now() + steps * STEP,
  });
}

/** A code that is surely wrong right now (not valid in the ±1 step window). */
function wrongCode(secret: string, target = server): string {
  const valid = new Set([-1, 0, 1].map((s) => codeFor(secret, target, s)));
  for (let n = 0; ; n += 1) {
    const candidate = String(n).padStart(6, "0");
    if (!valid.has(candidate)) return candidate;
  }
}

/** A REST call from a signed-in browser: session cookie plus X-CSRF-Token. */
async function me(browser: Browser, method: string, path: string, body?: unknown) {
  const csrf = await browser.csrfFrom("/");
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
}

/** Signs in (password only), enrols and confirms TOTP; returns the secret and the recovery codes. */
async function enrolled(username: string) {
  const account = await newUser(username);
  const browser = createBrowser(server.url);
  expect((await browser.login(username, PASSWORD)).headers.get("location")).toBe("/");
  const started = await me(browser, "POST", "/me/totp");
  const secret = started.body.secret as string;
  const confirmed = await me(browser, "POST", "/me/totp/confirm", { code: codeFor(secret) });
  expect(confirmed.status).toBe(200);
  // The confirming code's step is used up: log in with the next one.
  server.clock.advance(STEP);
  return { account, browser, secret, recoveryCodes: confirmed.body.recovery_codes as string[] };
}

const passwordGrant = (username: string, target = server, client = cli) =>
  postForm(`${target.url}/token`, {
    grant_type: "password",
    client_id: client.client_id,
    client_secret: client.client_secret,
    username,
    password: PASSWORD,
    scope: "openid",
  });

async function submitCode(browser: Browser, code: string) {
  const csrf_token = await browser.csrfFrom("/login/totp");
  return browser.post("/login/totp", { code, csrf_token });
}

async function auditOf(accountId: string) {
  return server.tessera.store.db
    .selectFrom("audit_events")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

describe("TOTP enrolment through the REST API", () => {
  test("start returns a secret, URI and QR code; a wrong code is refused; the right one enables and returns recovery codes once", async () => {
    await newUser("tamsin");
    const browser = createBrowser(server.url);
    await browser.login("tamsin", PASSWORD);
    expect((await me(browser, "GET", "/me/totp")).body).toMatchObject({ enabled: false, pending: false });

    const noCsrf = await browser.request("/api/v1/me/totp", {
      method: "POST",
      headers: { accept: "application/json" },
    });
    expect(noCsrf.status).toBe(403);

    const started = await me(browser, "POST", "/me/totp");
    expect(started.status).toBe(201);
    const secret = started.body.secret as string;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits, base32
    expect(started.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\/.*tamsin\?.*secret=[A-Z2-7]{32}/);
    expect(started.body.qr_code).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(started.body.enabled).toBe(false);
    expect((await me(browser, "GET", "/me/totp")).body).toMatchObject({ enabled: false, pending: true });

    const wrong = await me(browser, "POST", "/me/totp/confirm", { code: wrongCode(secret) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("invalid_code");
    expect((await me(browser, "POST", "/me/totp/confirm", { code: "not a code" })).status).toBe(400);

    const confirmed = await me(browser, "POST", "/me/totp/confirm", { code: codeFor(secret) });
    expect(confirmed.status).toBe(200);
    const codes = confirmed.body.recovery_codes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);

    const status = (await me(browser, "GET", "/me/totp")).body;
    expect(status).toMatchObject({ enabled: true, pending: false, required: false, recovery_codes_left: 10 });
    // Enabled: starting again is refused (disable first), and the codes are never shown again.
    expect((await me(browser, "POST", "/me/totp")).status).toBe(409);
    expect(JSON.stringify(status)).not.toContain(codes[0]);
  });

  test("a bearer token works for the API too", async () => {
    await newUser("tobias");
    const issued = await passwordGrant("tobias");
    const authorization = `Bearer ${issued.body.access_token}`;
    const started = await fetch(`${server.url}/api/v1/me/totp`, {
      method: "POST",
      headers: { authorization },
    });
    expect(started.status).toBe(201);
    const { secret } = (await started.json()) as { secret: string };
    const confirmed = await fetch(`${server.url}/api/v1/me/totp/confirm`, {
      method: "POST",
      headers: { authorization, "content-type": "application/json" },
      body: JSON.stringify({ code: codeFor(secret) }),
    });
    expect(confirmed.status).toBe(200);
  });
});

describe("login with TOTP", () => {
  test("the password no longer starts a session: the code page does, and sends the browser to its target", async () => {
    const { account, secret } = await enrolled("ulrike");
    const browser = createBrowser(server.url);
    const afterPassword = await browser.login("ulrike", PASSWORD, { rd: "/device" });
    expect(afterPassword.status).toBe(303);
    expect(afterPassword.headers.get("location")).toBe("/login/totp");
    expect(browser.jar.has("tessera_session")).toBe(false);
    expect((await browser.get("/")).headers.get("location")).toBe("/login");

    const form = await browser.get("/login/totp");
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('autocomplete="one-time-code"');

    const wrong = await submitCode(browser, wrongCode(secret));
    expect(wrong.status).toBe(401);
    expect(browser.jar.has("tessera_session")).toBe(false);

    const right = await submitCode(browser, codeFor(secret));
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe(`${server.url}/device`);
    expect(browser.jar.has("tessera_session")).toBe(true);
    expect(browser.jar.has("tessera_pending_login")).toBe(false);
    expect((await browser.get("/")).status).toBe(200);

    const events = (await auditOf(account.id)).filter((e) => e.event === "login" && e.method === "totp");
    expect(events.map((e) => [e.result, e.reason])).toEqual([
      ["failure", "bad_code"],
      ["success", null],
    ]);
  });

  test("a code is accepted once: the same code (same time step) is refused afterwards", async () => {
    const { secret } = await enrolled("viktor");
    const code = codeFor(secret);
    const first = createBrowser(server.url);
    await first.login("viktor", PASSWORD);
    expect((await submitCode(first, code)).status).toBe(303);

    const second = createBrowser(server.url);
    await second.login("viktor", PASSWORD);
    const replay = await submitCode(second, code);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain("already used");
    // The previous step is inside the ±1 window but older than the used one: refused too.
    expect((await submitCode(second, codeFor(secret, server, -1))).status).toBe(401);
    server.clock.advance(STEP);
    expect((await submitCode(second, codeFor(secret))).status).toBe(303);
  });

  test("±1 step of clock drift is accepted, 2 steps is not", async () => {
    const { secret } = await enrolled("wanda");
    const browser = createBrowser(server.url);
    await browser.login("wanda", PASSWORD);
    expect((await submitCode(browser, codeFor(secret, server, 2))).status).toBe(401);
    expect((await submitCode(browser, codeFor(secret, server, 1))).status).toBe(303);
  });

  test("wrong codes are throttled per account and network, and audited", async () => {
    const { account, secret } = await enrolled("xena");
    const browser = createBrowser(server.url);
    await browser.login("xena", PASSWORD);
    for (let i = 0; i < 3; i += 1) expect((await submitCode(browser, wrongCode(secret))).status).toBe(401);
    const locked = await submitCode(browser, codeFor(secret));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    // A correct password again does not reset the count of wrong codes.
    await browser.login("xena", PASSWORD);
    expect((await submitCode(browser, codeFor(secret))).status).toBe(429);
    const results = (await auditOf(account.id))
      .filter((e) => e.event === "login" && e.method === "totp")
      .map((e) => e.result);
    expect(results).toEqual(["failure", "failure", "failure", "locked", "locked"]);

    server.clock.advance(61_000);
    await browser.login("xena", PASSWORD);
    expect((await submitCode(browser, codeFor(secret))).status).toBe(303);
  });

  test("a recovery code works once, in any case and with or without dashes", async () => {
    const { secret, recoveryCodes } = await enrolled("yorick");
    const code = recoveryCodes[3] as string;
    const browser = createBrowser(server.url);
    await browser.login("yorick", PASSWORD);
    expect((await submitCode(browser, code.toUpperCase())).status).toBe(303);

    const again = createBrowser(server.url);
    await again.login("yorick", PASSWORD);
    expect((await submitCode(again, code.replace(/-/g, ""))).status).toBe(401);
    expect((await me(browser, "GET", "/me/totp")).body.recovery_codes_left).toBe(9);
    expect((await submitCode(again, codeFor(secret))).status).toBe(303);
  });

  test("new recovery codes replace the old ones", async () => {
    const { browser, secret, recoveryCodes } = await enrolled("zelda");
    const wrong = await me(browser, "POST", "/me/totp/recovery-codes", { code: wrongCode(secret) });
    expect(wrong.status).toBe(400);
    const fresh = await me(browser, "POST", "/me/totp/recovery-codes", { code: codeFor(secret) });
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes as string[]).toHaveLength(10);

    const other = createBrowser(server.url);
    await other.login("zelda", PASSWORD);
    expect((await submitCode(other, recoveryCodes[0] as string)).status).toBe(401);
    expect((await submitCode(other, (fresh.body.recovery_codes as string[])[0] as string)).status).toBe(303);
  });

  test("the pending login expires after five minutes and cannot be forged", async () => {
    const { secret } = await enrolled("abigail");
    const browser = createBrowser(server.url);
    await browser.login("abigail", PASSWORD);
    const csrf_token = await browser.csrfFrom("/login/totp");
    server.clock.advance(301_000);
    expect((await browser.post("/login/totp", { code: codeFor(secret), csrf_token })).status).toBe(400);

    const forged = createBrowser(server.url);
    await forged.login("abigail", PASSWORD);
    const sealed = forged.jar.get("tessera_pending_login") as string;
    forged.jar.set("tessera_pending_login", `${sealed.slice(0, -4)}AAAA`);
    expect((await forged.get("/login/totp")).headers.get("location")).toBe("/login");
  });

  test("the password grant is refused with invalid_grant once TOTP is on", async () => {
    await newUser("bruno");
    expect((await passwordGrant("bruno")).status).toBe(200);
    const browser = createBrowser(server.url);
    await browser.login("bruno", PASSWORD);
    const { secret } = (await me(browser, "POST", "/me/totp")).body as { secret: string };
    await me(browser, "POST", "/me/totp/confirm", { code: codeFor(secret) });
    const refused = await passwordGrant("bruno");
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: "invalid_grant",
      error_description: "second factor required",
    });
  });
});

describe("turning TOTP off", () => {
  test("the user disables it with a current code; the next login is password-only again", async () => {
    const { browser, secret } = await enrolled("celia");
    expect((await me(browser, "DELETE", "/me/totp", { code: wrongCode(secret) })).status).toBe(400);
    expect((await me(browser, "DELETE", "/me/totp", { code: codeFor(secret) })).status).toBe(204);
    expect((await me(browser, "GET", "/me/totp")).body.enabled).toBe(false);
    expect((await me(browser, "DELETE", "/me/totp", { code: codeFor(secret) })).status).toBe(409);
    const again = createBrowser(server.url);
    expect((await again.login("celia", PASSWORD)).headers.get("location")).toBe("/");
    expect((await passwordGrant("celia")).status).toBe(200);
  });

  test("an administrator resets a lost device; audited; only administrators may", async () => {
    const { account, browser } = await enrolled("dimitri");
    const reset = (authorization: string) =>
      fetch(`${server.url}/api/v1/accounts/${account.id}/totp`, {
        method: "DELETE",
        headers: { authorization },
      });
    const userToken = await (async () => {
      await newUser("eve");
      return (await passwordGrant("eve")).body.access_token as string;
    })();
    expect((await reset(`Bearer ${userToken}`)).status).toBe(403);
    expect((await reset(`Bearer ${BOOTSTRAP}`)).status).toBe(204);
    expect((await reset(`Bearer ${BOOTSTRAP}`)).status).toBe(404);
    expect((await me(browser, "GET", "/me/totp")).body.enabled).toBe(false);
    const events = await server.tessera.store.db
      .selectFrom("audit_events")
      .selectAll()
      .where("event", "=", "totp.reset")
      .where("username", "=", "dimitri")
      .execute();
    expect(events).toHaveLength(1);
    expect((await createBrowser(server.url).login("dimitri", PASSWORD)).headers.get("location")).toBe("/");
  });
});

test("federated logins stay single-factor when TOTP is not required", async () => {
  const browser = createBrowser(server.url);
  expect((await githubLogin(browser)).headers.get("location")).toBe("/");
  const { secret } = (await me(browser, "POST", "/me/totp")).body as { secret: string };
  expect((await me(browser, "POST", "/me/totp/confirm", { code: codeFor(secret) })).status).toBe(200);
  const again = createBrowser(server.url);
  const answer = await githubLogin(again);
  expect(answer.headers.get("location")).toBe("/");
  expect(again.jar.has("tessera_session")).toBe(true);
});

test("the database holds no TOTP secret or recovery code in clear", async () => {
  const { account, secret, recoveryCodes } = await enrolled("fiona");
  const raw = Buffer.from(Secret.fromBase32(secret).bytes);
  const rows = JSON.stringify([
    await server.tessera.store.db.selectFrom("totp_credentials").selectAll().execute(),
    await server.tessera.store.db.selectFrom("totp_recovery_codes").selectAll().execute(),
    await server.tessera.store.db.selectFrom("audit_events").selectAll().execute(),
  ]);
  for (const form of [
    secret,
    secret.toLowerCase(),
    raw.toString("hex"),
    raw.toString("base64"),
    raw.toString("base64url"),
  ])
    expect(rows).not.toContain(form);
  for (const code of recoveryCodes) {
    expect(rows).not.toContain(code);
    expect(rows).not.toContain(code.replace(/-/g, ""));
  }
  const stored = await server.tessera.store.db
    .selectFrom("totp_credentials")
    .select("secret_sealed")
    .where("account_id", "=", account.id)
    .executeTakeFirstOrThrow();
  expect(stored.secret_sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
  const codes = await server.tessera.store.db
    .selectFrom("totp_recovery_codes")
    .select("code_hash")
    .where("account_id", "=", account.id)
    .execute();
  expect(codes).toHaveLength(10);
  for (const { code_hash } of codes) expect(code_hash).toMatch(/^[A-Za-z0-9_-]{43}$/); // SHA-256
});

describe("login.requireTotp=all", () => {
  let strict: TestServer;
  let strictCli: { client_id: string; client_secret: string };
  beforeAll(async () => {
    strict = await startTestServer({ ...settings, TESSERA_LOGIN_REQUIRE_TOTP: "all" });
    strictCli = await passwordClient(strict);
  });
  afterAll(() => strict.close());

  test("an account without TOTP must enrol after the password before any session starts", async () => {
    await newUser("gustav", strict);
    const browser = createBrowser(strict.url);
    const afterPassword = await browser.login("gustav", PASSWORD, { rd: "/device" });
    expect(afterPassword.headers.get("location")).toBe("/login/totp/enrol");
    expect(browser.jar.has("tessera_session")).toBe(false);
    // The code page is not the step for this login.
    expect((await browser.get("/login/totp")).headers.get("location")).toBe("/login");

    const page = await (await browser.get("/login/totp/enrol")).text();
    expect(page).toContain('src="data:image/svg+xml;base64,');
    const secret = (/Key: <code>([A-Z2-7 ]+)<\/code>/.exec(page)?.[1] ?? "").replace(/ /g, "");
    expect(secret).toHaveLength(32);
    // Reloading shows the same secret (the one already scanned), not a new one.
    expect(await (await browser.get("/login/totp/enrol")).text()).toContain(
      `Key: <code>${secret.slice(0, 4)} `,
    );

    const csrf_token = await browser.csrfFrom("/login/totp/enrol");
    const wrong = await browser.post("/login/totp/enrol", { code: wrongCode(secret, strict), csrf_token });
    expect(wrong.status).toBe(401);
    expect(browser.jar.has("tessera_session")).toBe(false);
    const done = await browser.post("/login/totp/enrol", { code: codeFor(secret, strict), csrf_token });
    expect(done.status).toBe(200);
    const shown = await done.text();
    expect(shown.match(/<li><code>[a-z2-9-]{19}<\/code><\/li>/g)).toHaveLength(10);
    expect(shown).toContain(`href="${strict.url}/device"`);
    expect(browser.jar.has("tessera_session")).toBe(true);
    expect((await browser.get("/")).status).toBe(200);

    strict.clock.advance(STEP);
    const next = createBrowser(strict.url);
    expect((await next.login("gustav", PASSWORD)).headers.get("location")).toBe("/login/totp");
    expect((await submitCode(next, codeFor(secret, strict))).status).toBe(303);
  });

  test("federated logins of covered accounts go through the second factor too", async () => {
    const browser = createBrowser(strict.url);
    const answer = await githubLogin(browser);
    expect(answer.headers.get("location")).toBe("/login/totp/enrol");
    expect(browser.jar.has("tessera_session")).toBe(false);
  });

  test("the password grant is refused even before enrolment", async () => {
    await newUser("hedda", strict);
    const refused = await passwordGrant("hedda", strict, strictCli);
    expect(refused.body).toMatchObject({
      error: "invalid_grant",
      error_description: "second factor required",
    });
  });
});
