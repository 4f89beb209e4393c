import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startTessera, type Tessera } from "../src/server.js";
import { basicAuth } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

// Request rate limits (RFC 6585 §4): 429 with Retry-After, per IP and per client, per window,
// counted in the database so every node sees the same counts.
let server: TestServer;

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  body: new URLSearchParams(fields).toString(),
});

beforeAll(async () => {
  server = await startTestServer({
    TESSERA_RATE_LIMIT_WINDOW: "1m",
    TESSERA_RATE_LIMIT_OAUTH_PER_IP: "4",
    TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "2",
    TESSERA_RATE_LIMIT_REGISTER_PER_IP: "2",
    TESSERA_RATE_LIMIT_FORMS_PER_IP: "3",
  });
});
afterAll(() => server.close());
// Each test starts in a fresh window.
beforeEach(() => server.clock.advance(60_000));

async function expect429(response: Response) {
  expect(response.status).toBe(429);
  const wait = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(wait) && wait >= 1 && wait <= 60).toBe(true);
  return response;
}

describe("rate limits", () => {
  test("/token per IP: over the limit is 429 problem JSON with Retry-After; the next window admits again", async () => {
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" }));
      expect(r.status).toBe(401);
    }
    const limited = await expect429(
      await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" })),
    );
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect(await limited.json()).toMatchObject({ status: 429, code: "rate_limited" });
    // The OAuth endpoints share one budget per IP.
    await expect429(await fetch(`${server.url}/introspect`, form({ token: "x" })));
    await expect429(await fetch(`${server.url}/revoke`, form({ token: "x" })));
    await expect429(await fetch(`${server.url}/devicecode`, form({ client_id: "x" })));
    server.clock.advance(60_000);
    expect((await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" }))).status).toBe(401);
  });

  test("/token per client: counted by the presented client id (Basic or client_id), whoever sends it", async () => {
    const basic = { authorization: basicAuth("victim", "guess") };
    expect(
      (await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" }, basic))).status,
    ).toBe(401);
    expect(
      (await fetch(`${server.url}/token`, form({ grant_type: "client_credentials", client_id: "victim" })))
        .status,
    ).toBe(401);
    await expect429(await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" }, basic)));
    // Another client id is unaffected.
    expect(
      (await fetch(`${server.url}/token`, form({ grant_type: "client_credentials", client_id: "other" })))
        .status,
    ).toBe(401);
  });

  test("/register per IP", async () => {
    const register = () =>
      fetch(`${server.url}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: ["http://127.0.0.1/cb"], grant_types: ["authorization_code"] }),
      });
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(201);
    await expect429(await register());
  });

  test("POST /login per IP, answered as an HTML page to browsers", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(
        `${server.url}/login`,
        form({ username: "nobody", password: "x" }, { accept: "text/html" }),
      );
      expect(r.status).not.toBe(429);
    }
    const limited = await expect429(
      await fetch(
        `${server.url}/login`,
        form({ username: "nobody", password: "x" }, { accept: "text/html" }),
      ),
    );
    expect(limited.headers.get("content-type")).toContain("text/html");
    expect(await limited.text()).toContain("Too many requests");
  });

  test("sign-up: the form and POST /api/v1/registrations share one budget per IP", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${server.url}/api/v1/registrations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(r.status).toBe(400);
    }
    await expect429(await fetch(`${server.url}/signup`, form({ username: "x" })));
  });

  test("password reset per IP", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${server.url}/login/reset`, form({ identifier: "x" }))).status).not.toBe(429);
    }
    await expect429(await fetch(`${server.url}/login/reset/confirm`, form({ token: "x", password: "y" })));
  });

  test("user-code entry at /device per IP (on top of the per-user throttle)", async () => {
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${server.url}/device?user_code=ABCD-EFGH`, { redirect: "manual" })).status).toBe(
        303,
      );
    }
    await expect429(await fetch(`${server.url}/device?user_code=ABCD-EFGH`, { redirect: "manual" }));
  });

  test("other pages are not limited", async () => {
    for (let i = 0; i < 6; i++) expect((await fetch(`${server.url}/login`)).status).toBe(200);
  });

  test("the counts hold across nodes sharing the database", async () => {
    let second: Tessera | undefined;
    try {
      second = await startTessera(server.config, { clock: server.clock, store: server.database.open() });
      const post = (app: Tessera["app"]) =>
        app.inject({
          method: "POST",
          url: "/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: "grant_type=client_credentials",
        });
      expect((await post(server.tessera.app)).statusCode).toBe(401);
      expect((await post(second.app)).statusCode).toBe(401);
      expect((await post(server.tessera.app)).statusCode).toBe(401);
      expect((await post(second.app)).statusCode).toBe(401);
      expect((await post(server.tessera.app)).statusCode).toBe(429);
      expect((await post(second.app)).statusCode).toBe(429);
    } finally {
      await second?.app.close();
    }
  });

  test("finished windows are swept: the table holds only current windows", async () => {
    await fetch(`${server.url}/token`, form({ grant_type: "client_credentials" }));
    const db = server.tessera.store.db;
    const rows = await db.selectFrom("rate_limits").select("window_start").execute();
    const now = server.clock.now();
    expect(rows.every((r) => Number(r.window_start) > now - 60_000)).toBe(true);
  });
});
