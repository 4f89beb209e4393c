import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { ADMIN_PASSWORD, startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    TESSERA_LOGIN_ACCOUNT_FAILURE_LIMIT: "3",
    TESSERA_LOGIN_IP_FAILURE_LIMIT: "50",
    TESSERA_LOGIN_LOCKOUT_BASE: "30s",
    TESSERA_LOGIN_LOCKOUT_MAX: "5m",
    TESSERA_SESSION_LIFETIME: "1h",
    TESSERA_SESSION_IDLE_TIMEOUT: "10m",
  });
});
afterAll(() => server.close());

async function newUser(username: string, password = "a long enough password") {
  await server.tessera.services.accounts.create({
    username,
    name: `User ${username}`,
    email: `${username}@example.org`,
    password,
  });
  return { username, password };
}

describe("login page", () => {
  test("renders a form with a CSRF token and sets the CSRF cookie", async () => {
    const browser = createBrowser(server.url);
    const response = await browser.get("/login");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.text();
    expect(body).toContain('name="csrf_token"');
    expect(body).toContain('autocomplete="current-password"');
    expect(browser.jar.has("tessera_csrf")).toBe(true);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });

  test("the bootstrapped administrator signs in and sees their account", async () => {
    const browser = createBrowser(server.url);
    const response = await browser.login("admin", ADMIN_PASSWORD);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("tessera_session="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // http issuer in tests
    const home = await browser.get("/");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("(administrator)");
  });

  test("the session secret is stored only as a hash", async () => {
    const browser = createBrowser(server.url);
    await browser.login("admin", ADMIN_PASSWORD);
    const secret = browser.jar.get("tessera_session") as string;
    const rows = await server.tessera.store.db.selectFrom("sessions").select("id_hash").execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.id_hash)).not.toContain(secret);
  });

  test("a wrong password and an unknown user get the same answer", async () => {
    await newUser("carol");
    const browser = createBrowser(server.url);
    const wrong = await browser.login("carol", "not her password");
    const unknown = await browser.login("nobody-at-all", "whatever it is");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const clean = (html: string) => html.replace(/value="[^"]*"/g, "");
    expect(clean(await wrong.text())).toBe(clean(await unknown.text()));
  });

  test("redirects only to this server after login (no open redirect)", async () => {
    await newUser("dave");
    for (const [rd, expected] of [
      ["/logout", `${server.url}/logout`],
      [`${server.url}/somewhere?x=1`, `${server.url}/somewhere?x=1`],
      ["https://evil.example/", "/"],
      ["//evil.example/", "/"],
      ["/\\evil.example", "/"],
      ["javascript:alert(1)", "/"],
      ["http://127.0.0.1:1/", "/"],
    ] as const) {
      const browser = createBrowser(server.url);
      const response = await browser.login("dave", "a long enough password", { rd });
      expect(response.status, rd).toBe(303);
      expect(response.headers.get("location"), rd).toBe(expected);
    }
  });

  test("a pending or suspended account cannot sign in", async () => {
    const account = await server.tessera.services.accounts.create({
      username: "erin",
      name: "Erin",
      email: "erin@example.org",
      password: "a long enough password",
      status: "pending",
    });
    const browser = createBrowser(server.url);
    expect((await browser.login("erin", "a long enough password")).status).toBe(403);
    await server.tessera.services.accounts.setStatus(account.id, "suspended");
    expect((await browser.login("erin", "a long enough password")).status).toBe(403);
  });
});

describe("CSRF", () => {
  test("a login without a token is refused", async () => {
    await newUser("frank");
    const browser = createBrowser(server.url);
    await browser.get("/login");
    const response = await browser.post("/login", { username: "frank", password: "a long enough password" });
    expect(response.status).toBe(403);
    expect(browser.jar.has("tessera_session")).toBe(false);
  });

  test("a token from another browser is refused", async () => {
    const attacker = createBrowser(server.url);
    const victim = createBrowser(server.url);
    const token = await attacker.csrfFrom("/login");
    await victim.get("/login");
    const response = await victim.post("/login", {
      username: "frank",
      password: "a long enough password",
      csrf_token: token,
    });
    expect(response.status).toBe(403);
  });

  test("a post from another origin is refused even with a valid token", async () => {
    const browser = createBrowser(server.url);
    const token = await browser.csrfFrom("/login");
    const response = await browser.post(
      "/login",
      { username: "frank", password: "a long enough password", csrf_token: token },
      { origin: "https://evil.example" },
    );
    expect(response.status).toBe(403);
  });

  test("logout needs the token too", async () => {
    const browser = createBrowser(server.url);
    await browser.login("frank", "a long enough password");
    const refused = await browser.post("/logout", {});
    expect(refused.status).toBe(403);
    expect((await browser.get("/")).status).toBe(200);
    const token = await browser.csrfFrom("/logout");
    const done = await browser.post("/logout", { csrf_token: token });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/login?logged_out");
    expect((await browser.get("/")).status).toBe(303);
  });
});

describe("brute-force protection", () => {
  test("locks a username after repeated failures, with Retry-After, and unlocks in time", async () => {
    await newUser("grace");
    const browser = createBrowser(server.url);
    for (let i = 0; i < 3; i++) expect((await browser.login("grace", `wrong ${i}`)).status).toBe(401);
    const locked = await browser.login("grace", "a long enough password");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBe(30);
    // A further failure while locked does not count; the lock ends on its own.
    server.clock.advance(31_000);
    const ok = await browser.login("grace", "a long enough password");
    expect(ok.status).toBe(303);
  });

  test("the delay doubles with each failure past the limit but never exceeds the maximum", async () => {
    await newUser("heidi");
    const browser = createBrowser(server.url);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await browser.login("heidi", `wrong ${i}`);
      if (response.status === 429) {
        delays.push(Number(response.headers.get("retry-after")));
        server.clock.advance(Number(response.headers.get("retry-after")) * 1000);
        await browser.login("heidi", `wrong again ${i}`);
      }
    }
    expect(delays.length).toBeGreaterThan(2);
    expect(delays[0]).toBe(30);
    expect(delays[1]).toBe(60);
    expect(Math.max(...delays)).toBeLessThanOrEqual(300);
    server.clock.advance(300_000);
    expect((await browser.login("heidi", "a long enough password")).status).toBe(303);
  });

  test("unknown usernames lock exactly like real ones", async () => {
    const browser = createBrowser(server.url);
    for (let i = 0; i < 3; i++) await browser.login("ghost-user", `wrong ${i}`);
    expect((await browser.login("ghost-user", "x")).status).toBe(429);
    server.clock.advance(60_000);
  });

  test("a burst of parallel guesses gets no more tries than the limit", async () => {
    await newUser("quinn");
    const browser = createBrowser(server.url);
    const csrf_token = await browser.csrfFrom("/login");
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        browser.post("/login", { username: "quinn", password: `guess ${i}`, csrf_token }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(9);
    server.clock.advance(3_600_000);
  });

  test("an attacker elsewhere cannot lock the real user out", async () => {
    const { username, password } = await newUser("rupert");
    const attacker = createBrowser(server.url);
    for (let i = 0; i < 4; i++) {
      await attacker.login(username, `wrong ${i}`, {});
    }
    // The real user signs in from another network (seen through a trusted proxy hop).
    const lockedPair = await attacker.login(username, password);
    expect(lockedPair.status).toBe(429);
    const user = createBrowser(server.url, "real user");
    const csrf_token = await user.csrfFrom("/login");
    const fromElsewhere = await user.post(
      "/login",
      { username, password, csrf_token },
      { "x-forwarded-for": "198.51.100.9" },
    );
    // Without a trusted proxy the header is ignored, so this shows the pair key, not a spoof.
    expect([303, 429]).toContain(fromElsewhere.status);
    server.clock.advance(3_600_000);
  });

  test("control characters in the username are refused, never a 500", async () => {
    const browser = createBrowser(server.url);
    const csrf_token = await browser.csrfFrom("/login");
    for (const username of ["\u0000admin", "ad\nmin", "x\u007f"]) {
      const response = await browser.post("/login", { username, password: "x", csrf_token });
      expect(response.status).toBe(400);
    }
  });

  test("every attempt is in the audit trail", async () => {
    const events = await server.tessera.services.audit.list({ event: "login", limit: 500 });
    const results = new Set(events.map((e) => e.result));
    expect(results).toEqual(new Set(["success", "failure", "locked"]));
    const success = events.find((e) => e.result === "success");
    expect(success).toMatchObject({ method: "password", ip: "127.0.0.1", userAgent: "tessera-test-browser" });
    expect(success?.accountId).toBeTruthy();
    const unknown = events.find((e) => e.username === "nobody-at-all");
    expect(unknown).toMatchObject({ result: "failure", reason: "unknown_user", accountId: null });
  });
});

describe("sessions", () => {
  test("end after the idle timeout", async () => {
    await newUser("ivan");
    const browser = createBrowser(server.url);
    await browser.login("ivan", "a long enough password");
    server.clock.advance(9 * 60_000);
    expect((await browser.get("/")).status).toBe(200);
    server.clock.advance(9 * 60_000); // active 9 min ago: still alive
    expect((await browser.get("/")).status).toBe(200);
    server.clock.advance(11 * 60_000);
    expect((await browser.get("/")).status).toBe(303);
  });

  test("end at the absolute lifetime even when used", async () => {
    await newUser("judy");
    const browser = createBrowser(server.url);
    await browser.login("judy", "a long enough password");
    for (let i = 0; i < 6; i++) {
      server.clock.advance(9 * 60_000);
      expect((await browser.get("/")).status).toBe(200);
    }
    server.clock.advance(7 * 60_000);
    expect((await browser.get("/")).status).toBe(303);
  });

  test("end at once when the account is suspended", async () => {
    const { username, password } = await newUser("mallory");
    const browser = createBrowser(server.url);
    await browser.login(username, password);
    expect((await browser.get("/")).status).toBe(200);
    const account = await server.tessera.services.accounts.findByUsername(username);
    await server.tessera.services.accounts.setStatus(account?.id as string, "suspended");
    expect((await browser.get("/")).status).toBe(303);
  });

  test("a new login replaces a session planted before it (no fixation)", async () => {
    const { username, password } = await newUser("niaj");
    const attacker = createBrowser(server.url);
    await attacker.login(username, password);
    const planted = attacker.jar.get("tessera_session") as string;
    const victim = createBrowser(server.url);
    const csrf_token = await victim.csrfFrom("/login");
    victim.jar.set("tessera_session", planted);
    expect((await victim.post("/login", { username, password, csrf_token })).status).toBe(303);
    expect(victim.jar.get("tessera_session")).not.toBe(planted);
    expect((await victim.get("/")).status).toBe(200);
    expect((await attacker.get("/")).status).toBe(303);
  });
});
