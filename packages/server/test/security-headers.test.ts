import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

// Security headers on every page: CSP, HSTS when the issuer is https, no-sniff, referrer policy.
let https: TestServer;
let http: TestServer;
const PAGES = [
  "/",
  "/login",
  "/signup",
  "/login/reset",
  "/device",
  "/aup",
  "/no-such-page",
  "/authorize?client_id=x",
];

beforeAll(async () => {
  [https, http] = await Promise.all([
    startTestServer({ TESSERA_ISSUER: "https://id.example.org" }),
    startTestServer(),
  ]);
});
afterAll(async () => {
  await Promise.all([https.close(), http.close()]);
});

describe("security headers", () => {
  test("every page over an https issuer: CSP, HSTS, nosniff, referrer policy", async () => {
    for (const url of PAGES) {
      const reply = await https.tessera.app.inject({
        method: "GET",
        url,
        headers: { host: "id.example.org", accept: "text/html" },
      });
      expect(reply.statusCode, url).toBeLessThan(500);
      expect(reply.headers["content-security-policy"], url).toMatch(/default-src 'none'|default-src 'self'/);
      expect(reply.headers["content-security-policy"], url).toMatch(/frame-ancestors 'none'/);
      expect(reply.headers["strict-transport-security"], url).toMatch(/max-age=\d{7,}/);
      expect(reply.headers["x-content-type-options"], url).toBe("nosniff");
      expect(reply.headers["referrer-policy"], url).toMatch(/^(same-origin|no-referrer|strict-origin)/);
    }
  });

  test("no HSTS over a plain-http issuer (it would pin a development host to https)", async () => {
    for (const url of PAGES) {
      const reply = await fetch(`${http.url}${url}`, {
        redirect: "manual",
        headers: { accept: "text/html" },
      });
      expect(reply.headers.get("strict-transport-security"), url).toBeNull();
      expect(reply.headers.get("x-content-type-options"), url).toBe("nosniff");
      expect(reply.headers.get("content-security-policy"), url).toBeTruthy();
    }
  });

  test("the token endpoint has them too; the gateway's nginx answers (GET /auth) go without", async () => {
    const token = await fetch(`${http.url}/token`, { method: "POST" });
    expect(token.headers.get("content-security-policy")).toBeTruthy();
    expect(token.headers.get("x-content-type-options")).toBe("nosniff");
    const auth = await fetch(`${http.url}/auth?scope=read:tap`);
    expect(auth.status).toBe(401);
    expect(auth.headers.get("content-security-policy")).toBeNull();
    expect(auth.headers.get("x-content-type-options")).toBeNull();
  });
});
