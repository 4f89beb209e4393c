import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createBrowser } from "./support/browser.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function send(path: string, init: RequestInit = {}) {
  return fetch(`${server.url}${path}`, { redirect: "manual", ...init });
}

describe("bad input gets a clear 4xx, never a 500", () => {
  test("an oversized form body is 413", async () => {
    const response = await send("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `username=${"a".repeat(200_000)}`,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 413, title: "Request too large" });
  });

  test("an unsupported content type is 415", async () => {
    const response = await send("/login", {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: "<x/>",
    });
    expect(response.status).toBe(415);
  });

  test("broken JSON is 400", async () => {
    const response = await send("/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ status: 400 });
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js:\d+/); // no stack trace
  });

  test("wrong form fields are 400 or 403, with the page", async () => {
    const browser = createBrowser(server.url);
    const csrf_token = await browser.csrfFrom("/login");
    for (const form of [
      { csrf_token },
      { csrf_token, username: "admin" },
      { csrf_token, password: "x" },
      { csrf_token, username: "   ", password: "x" },
    ]) {
      const response = await browser.post("/login", form);
      expect(response.status, JSON.stringify(form)).toBe(400);
      expect(await response.text()).toContain("Please enter your username and password.");
    }
    // Repeated fields arrive as arrays: not strings, so refused as missing.
    const repeated = await browser.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `csrf_token=${csrf_token}&username=a&username=b&password=x`,
    });
    expect(repeated.status).toBe(400);
    const noToken = await browser.post("/login", {
      username: "admin",
      password: "x",
      csrf_token: "x".repeat(5000),
    });
    expect(noToken.status).toBe(403);
  });

  test("a JSON body at the login form is handled like a form", async () => {
    const response = await send("/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: ["a"], password: { $ne: 1 } }),
    });
    expect(response.status).toBe(403);
  });

  test("broken and hostile cookies are ignored", async () => {
    for (const cookie of [
      "tessera_session=%E0%A4%A",
      "tessera_session=' OR 1=1 --",
      `tessera_session=${"A".repeat(43)}`,
      "tessera_session=; tessera_csrf=%%%",
      `tessera_session=${"x".repeat(8000)}`,
      "=;;;=",
    ]) {
      const home = await send("/", { headers: { cookie, accept: "text/html" } });
      expect(home.status, cookie).toBe(303);
      const login = await send("/login", { headers: { cookie, accept: "text/html" } });
      expect(login.status, cookie).toBe(200);
    }
  });

  test("unknown paths and methods are 404 problem JSON", async () => {
    const response = await send("/nope?token=secret");
    expect(response.status).toBe(404);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ type: "about:blank", title: "Not found", status: 404, code: "not_found" });
    expect(body.detail).not.toContain("secret");
    expect((await send("/jwk", { method: "DELETE" })).status).toBe(404);
  });

  test("browsers get an HTML error page", async () => {
    const response = await send("/nope", { headers: { accept: "text/html" } });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("text/html");
  });
});

describe("security headers", () => {
  test("every page forbids framing and sniffing and sends no referrer", async () => {
    for (const path of ["/login", "/nope", "/jwk", "/.well-known/openid-configuration"]) {
      const response = await send(path);
      expect(response.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      // same-origin: other sites get no referrer; our own form posts keep a real Origin (see app.ts).
      expect(response.headers.get("referrer-policy"), path).toBe("same-origin");
      expect(response.headers.get("strict-transport-security"), path).toBeNull(); // http issuer
    }
  });
});

describe("operations", () => {
  test("health, readiness and metrics", async () => {
    expect(await (await send("/healthz")).json()).toEqual({ status: "ok" });
    expect(await (await send("/readyz")).json()).toEqual({ status: "ok", database: "ok" });
    const metrics = await (await send("/metrics")).text();
    expect(metrics).toContain("tessera_http_request_duration_seconds_bucket");
    expect(metrics).toContain('route="/readyz"');
    expect(metrics).toContain("tessera_process_resident_memory_bytes");
  });

  test("request ids are returned, and a sane incoming id is kept", async () => {
    const fresh = await send("/healthz");
    expect(fresh.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await send("/healthz", { headers: { "x-request-id": "proxy-123" } });
    expect(kept.headers.get("x-request-id")).toBe("proxy-123");
    const hostile = await send("/healthz", { headers: { "x-request-id": "a b\tc<script>" } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("discovery and JWKS", async () => {
    const discovery = await (await send("/.well-known/openid-configuration")).json();
    expect(discovery).toMatchObject({ issuer: server.url, jwks_uri: `${server.url}/jwk` });
    expect(await (await send("/.well-known/oauth-authorization-server")).json()).toEqual(discovery);
    const jwks = await send("/jwk");
    expect(jwks.headers.get("content-type")).toContain("application/jwk-set+json");
    expect(jwks.headers.get("cache-control")).toBe("public, max-age=1800");
    const body = (await jwks.json()) as { keys: Record<string, string>[] };
    expect(body.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
  });
});
