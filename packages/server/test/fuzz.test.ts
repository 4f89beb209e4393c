import fc from "fast-check";
import type { LightMyRequestResponse } from "fastify";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startTestServer, type TestServer } from "./support/test-server.js";

// FUZZ_SCALE multiplies every property's runs: CI uses 1 (about 1,000 requests); the issue's
// 100,000-request run is `FUZZ_SCALE=100 npx vitest run packages/server/test/fuzz.test.ts --testTimeout=0`.
const runs = (n: number) => n * Math.max(1, Number(process.env.FUZZ_SCALE ?? 1));

/**
 * Property-based fuzzing of every HTTP endpoint: hostile and malformed input never gets a 5xx,
 * a hang or a crash, every refusal carries a proper error body (problem JSON, OAuth error JSON or
 * an HTML page), and rejected requests leave the database as it was.
 */
const BOOTSTRAP = "fuzz-bootstrap-token-0123456789abcdef";
let server: TestServer;
// Bookkeeping that rejected requests may legitimately touch.
const BOOKKEEPING = new Set([
  "rate_limits",
  "audit_events",
  "login_throttle",
  "kysely_migration",
  "kysely_migration_lock",
]);

beforeAll(async () => {
  server = await startTestServer({
    TESSERA_BOOTSTRAP_TOKEN: BOOTSTRAP,
    TESSERA_RATE_LIMIT_OAUTH_PER_IP: "0",
    TESSERA_RATE_LIMIT_OAUTH_PER_CLIENT: "0",
    TESSERA_RATE_LIMIT_REGISTER_PER_IP: "0",
    TESSERA_RATE_LIMIT_FORMS_PER_IP: "0",
  });
});
let requestsSent = 0;
afterAll(async () => {
  // Every reply was checked as it came (no 5xx, a proper error body); this is the count.
  console.log(`fuzz: ${requestsSent} generated requests, 0 server errors`);
  await server.close();
});

interface Call {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: string;
}

async function send(call: Call): Promise<LightMyRequestResponse> {
  requestsSent++;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: ${call.method} ${call.url}`)), 5000);
  });
  try {
    return await Promise.race([
      server.tessera.app.inject({ ...call, method: call.method as "GET" }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** < 500, and a refusal says why in a format its caller understands. */
function checkReply(call: Call, reply: LightMyRequestResponse) {
  const label = `${call.method} ${call.url.slice(0, 120)} → ${reply.statusCode} ${reply.body.slice(0, 200)}`;
  expect(reply.statusCode, label).toBeLessThan(500);
  if (reply.statusCode < 400 || reply.statusCode === 405) return;
  const type = String(reply.headers["content-type"] ?? "");
  if (type.includes("text/html")) {
    expect(reply.body, label).toMatch(/<html/i);
  } else if (type.includes("json")) {
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    const problem = typeof body.status === "number" && typeof body.title === "string";
    const oauth = typeof body.error === "string";
    const scim = Array.isArray(body.schemas);
    expect(problem || oauth || scim, label).toBe(true);
  } else {
    // 401s of the gateway and bare 4xx replies: no body needed, but never a stack trace.
    expect(reply.body, label).not.toMatch(/\bat \S+ \(|node_modules/);
  }
}

async function tableCounts(): Promise<Record<string, number>> {
  const db = server.tessera.store.db;
  const tables = (await db.introspection.getTables()).map((t) => t.name).filter((t) => !BOOKKEEPING.has(t));
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
    counts[table] = Number(row.rows[0]?.n ?? 0);
  }
  return counts;
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.string({ unit: "binary", maxLength: 64 }),
  fc.constantFrom(
    "",
    "\u0000",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "%",
    "\r\nSet-Cookie: x=y",
    "a".repeat(5000),
    "https://evil.example/",
    "javascript:alert(1)",
    "{{7*7}}",
    "$" + "{jndi:ldap://x}",
    "🦄".repeat(50),
    "-1",
    "1e400",
    "NaN",
    "__proto__",
    "constructor",
  ),
);
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom("name", "username", "email", "scope", "redirect_uris", "__proto__", "id", "grant_types"),
    fc.jsonValue({ maxDepth: 2 }),
  ),
);
const formFields = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "grant_type",
      "client_id",
      "client_secret",
      "code",
      "redirect_uri",
      "code_verifier",
      "refresh_token",
      "scope",
      "token",
      "username",
      "password",
      "csrf_token",
      "rd",
      "user_code",
      "device_code",
      "audience",
      "resource",
      "subject_token",
      "subject_token_type",
      "request",
      "decision",
      "identifier",
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(hostileString, fc.array(hostileString, { maxLength: 3 })),
  { maxKeys: 8 },
);
const encodeForm = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, item);
  }
  return params.toString();
};

const FORM_ENDPOINTS: [string, string][] = [
  ["POST", "/token"],
  ["POST", "/devicecode"],
  ["POST", "/introspect"],
  ["POST", "/revoke"],
  ["POST", "/userinfo"],
  ["POST", "/login"],
  ["POST", "/login/totp"],
  ["POST", "/login/reset"],
  ["POST", "/login/reset/confirm"],
  ["POST", "/signup"],
  ["POST", "/authorize"],
  ["POST", "/device"],
  ["POST", "/logout"],
  ["POST", "/aup"],
];
const QUERY_ENDPOINTS = [
  "/authorize",
  "/login",
  "/logout",
  "/device",
  "/aup",
  "/signup",
  "/signup/confirm",
  "/login/reset/confirm",
  "/auth",
  "/auth/anonymous",
  "/userinfo",
  "/.well-known/openid-configuration",
  "/jwk",
];

describe("fuzzing", () => {
  test("OAuth endpoints and HTML forms: arbitrary form fields, content types and headers", async () => {
    const before = await tableCounts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORM_ENDPOINTS),
        formFields,
        fc.constantFrom(
          "application/x-www-form-urlencoded",
          "application/json",
          "text/plain",
          "multipart/form-data",
        ),
        fc.option(
          fc.oneof(
            fc.constant("Basic !!!"),
            fc.constant("Bearer"),
            hostileString.map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
          ),
          { nil: undefined },
        ),
        fc.constantFrom("text/html", "application/json", "*/*"),
        async ([method, url], fields, contentType, authorization, accept) => {
          const call: Call = {
            method,
            url,
            headers: {
              "content-type": contentType,
              accept,
              ...(authorization ? { authorization } : {}),
            },
            payload: contentType === "application/json" ? JSON.stringify(fields) : encodeForm(fields),
          };
          checkReply(call, await send(call));
        },
      ),
      { numRuns: runs(300) },
    );
    expect(await tableCounts()).toEqual(before);
  });

  test("GET pages: arbitrary query strings", async () => {
    const before = await tableCounts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...QUERY_ENDPOINTS),
        formFields,
        fc.string({ maxLength: 40 }),
        async (path, fields, raw) => {
          for (const url of [`${path}?${encodeForm(fields)}`, `${path}?${raw}`]) {
            const call: Call = { method: "GET", url, headers: { accept: "text/html" } };
            checkReply(call, await send(call));
          }
        },
      ),
      { numRuns: runs(150) },
    );
    expect(await tableCounts()).toEqual(before);
  });

  test("REST API driven from /api/openapi.json: hostile params and bodies, with and without the bootstrap token", async () => {
    const doc = (await send({ method: "GET", url: "/api/openapi.json" })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((m) => [m.toUpperCase(), path] as [string, string]),
    );
    expect(operations.length).toBeGreaterThan(10);
    const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, () => encodeURIComponent(value));

    // Unauthenticated: every one refused, nothing changes.
    const before = await tableCounts();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        hostileString,
        hostileJson,
        async ([method, path], param, body) => {
          const call: Call = {
            method,
            url: `/api/v1${fill(path, param).replace(/^\/api\/v1/, "")}`,
            headers: { "content-type": "application/json", authorization: "Bearer not-the-token" },
            ...(method === "GET" || method === "DELETE" ? {} : { payload: JSON.stringify(body) }),
          };
          const reply = await send(call);
          checkReply(call, reply);
          expect(reply.statusCode, call.url).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: runs(150) },
    );
    expect(await tableCounts()).toEqual(before);

    // As the administrator: hostile input may succeed only by being valid; it never breaks the server.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...operations),
        hostileString,
        fc.oneof(
          hostileJson.map((v) => JSON.stringify(v)),
          hostileString,
        ),
        fc.dictionary(
          fc.constantFrom("limit", "cursor", "q", "filter", "status", "offset", "count"),
          hostileString,
          { maxKeys: 3 },
        ),
        async ([method, path], param, body, query) => {
          const qs = new URLSearchParams(query).toString();
          const call: Call = {
            method,
            url: `/api/v1${fill(path, param).replace(/^\/api\/v1/, "")}${qs ? `?${qs}` : ""}`,
            headers: { "content-type": "application/json", authorization: `Bearer ${BOOTSTRAP}` },
            ...(method === "GET" || method === "DELETE" ? {} : { payload: body }),
          };
          checkReply(call, await send(call));
        },
      ),
      { numRuns: runs(400) },
    );
  });
});
