// The Fastify and Express adapters on real servers (127.0.0.1, port 0), in front of the same
// routes, against a real issuer serving discovery and JWKS, with tokens signed by jose. Both
// adapters must answer every case identically.
import { createVerifier, type TesseraIdentity, type Verifier } from "@tessera/verify";
import { tesseraExpress } from "@tessera/verify/express";
import { type TesseraRouteOptions, tesseraFastify } from "@tessera/verify/fastify";
import express, { type NextFunction, type Request, type Response } from "express";
import Fastify from "fastify";
import type { JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  baseClaims,
  clock,
  type HttpFixture,
  makeKey,
  NOW,
  type SigningKey,
  serveIssuer,
  sign,
  startHttp,
} from "./fixtures.js";
import { bearer, rawGet } from "./raw-request.js";

type Running = { baseUrl: string; close: () => Promise<void> };

/** What the protected routes answer: the identity as the handler sees it. */
function describeIdentity(who: TesseraIdentity | null | undefined, path = "/cms/a") {
  if (who === null || who === undefined) return { identity: null };
  return {
    subject: who.subject,
    issuer: who.issuer,
    scopes: who.scopes,
    canRead: who.canRead(path),
    canReadCmsx: who.canRead("/cmsx"),
    canCreateHome: who.canCreate("/cms/store/user/alice/new"),
    canStage: who.canStage(path),
    canComputeRead: who.canCompute("read"),
  };
}

/** The storage path of `/files/<path>`, as sent (still percent-encoded). */
function filesPath(url: string): string {
  return (url.split("?")[0] ?? "").replace(/^\/files/, "");
}

const ROUTES = {
  jobs: { requiredScopes: ["compute.create"] },
  status: { requiredScopes: ["compute.cancel", "compute.read"], satisfy: "any" },
  fts: { audience: "https://fts.example" },
} as const satisfies Record<string, TesseraRouteOptions>;

async function startFastify(verifier: Verifier): Promise<Running> {
  const app = Fastify();
  await app.register(tesseraFastify(verifier, { realm: "storage" }));
  app.get("/healthz", { config: { tessera: false } }, async (request) => ({
    ok: true,
    identity: request.tessera,
  }));
  app.get("/whoami", async (request) => describeIdentity(request.tessera));
  app.get("/jobs", { config: { tessera: ROUTES.jobs } }, async () => ({ ok: true }));
  app.get("/jobs/status", { config: { tessera: ROUTES.status } }, async () => ({ ok: true }));
  app.get("/fts", { config: { tessera: ROUTES.fts } }, async () => ({ ok: true }));
  app.get(
    "/files/*",
    { config: { tessera: { requiredScopes: (request) => [`storage.read:${filesPath(request.url)}`] } } },
    async (request) => describeIdentity(request.tessera, filesPath(request.url)),
  );
  app.get(
    "/broken",
    {
      config: {
        tessera: {
          requiredScopes: () => {
            throw new Error("requirement bug");
          },
        },
      },
    },
    async () => ({ ok: true }),
  );
  await app.register(async (child) => {
    child.get("/child", async (request) => describeIdentity(request.tessera));
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

async function startExpress(verifier: Verifier): Promise<Running> {
  const app = express();
  const auth = (options: Parameters<typeof tesseraExpress<Request>>[1] = {}) =>
    tesseraExpress<Request>(verifier, { realm: "storage", ...options });
  app.get("/healthz", (req, res) => {
    res.json({ ok: true, identity: req.tessera ?? null });
  });
  app.get("/whoami", auth(), (req, res) => {
    res.json(describeIdentity(req.tessera));
  });
  app.get("/jobs", auth(ROUTES.jobs), (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/jobs/status", auth(ROUTES.status), (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/fts", auth(ROUTES.fts), (_req, res) => {
    res.json({ ok: true });
  });
  app.use(
    "/files",
    auth({ requiredScopes: (req) => [`storage.read:${filesPath(req.originalUrl)}`] }),
    (req, res) => {
      res.json(describeIdentity(req.tessera, filesPath(req.originalUrl)));
    },
  );
  app.get(
    "/broken",
    auth({
      requiredScopes: () => {
        throw new Error("requirement bug");
      },
    }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  const child = express.Router();
  child.use(auth());
  child.get("/child", (req, res) => {
    res.json(describeIdentity(req.tessera));
  });
  app.use(child);
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ failed: error instanceof Error ? error.message : String(error) });
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

let issuerHttp: HttpFixture;
let issuer: string;
let key: SigningKey;
let verifier: Verifier;

beforeAll(async () => {
  issuerHttp = await startHttp();
  key = await makeKey("k1", "RS256");
  issuer = serveIssuer(issuerHttp, "/realms/cms", key);
  verifier = createVerifier({ issuers: [{ issuer }], clock });
});

afterAll(async () => {
  await issuerHttp.close();
});

const token = (claims: JWTPayload = {}) => sign(key, { ...baseClaims(issuer), ...claims });

describe.each([
  ["Fastify", startFastify],
  ["Express", startExpress],
])("%s adapter", (_name, start) => {
  let server: Running;
  const get = (path: string, headers: Record<string, string> = {}) => rawGet(server.baseUrl, path, headers);

  beforeAll(async () => {
    server = await start(verifier);
  });

  afterAll(async () => {
    await server.close();
  });

  test("a valid token passes and the handler sees the identity", async () => {
    const res = await get("/whoami", bearer(await token()));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      subject: "alice",
      issuer,
      scopes: ["storage.read:/cms", "storage.modify:/cms/store/user/alice", "compute.read"],
      canRead: true,
      canReadCmsx: false,
      canCreateHome: true,
      canStage: false,
      canComputeRead: true,
    });
  });

  test("the scheme name is case-insensitive", async () => {
    const res = await get("/whoami", { authorization: `bearer ${await token()}` });
    expect(res.status).toBe(200);
  });

  test("no token: 401 with only the realm (RFC 6750 §3.1)", async () => {
    const res = await get("/whoami");
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="storage"');
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(JSON.parse(res.body)).toEqual({ error_description: "a bearer token is required" });
  });

  test("another scheme counts as no bearer token", async () => {
    const res = await get("/whoami", { authorization: "Basic dXNlcjpwYXNz" });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="storage"');
  });

  test.each([
    ["garbage", async () => "abc.def.ghi", /malformed/],
    ["expired", () => token({ iat: NOW - 3600, nbf: NOW - 3600, exp: NOW - 600 }), /expired/],
    ["from an untrusted issuer", () => token({ iss: "https://evil.example" }), /not trusted/],
    ["for another audience", () => token({ aud: "https://elsewhere.example" }), /audience/],
  ])("an invalid token (%s): 401 invalid_token", async (_case, make, because) => {
    const res = await get("/fts", bearer(await make()));
    expect(res.status).toBe(401);
    const challenge = res.headers["www-authenticate"] ?? "";
    expect(challenge).toMatch(/^Bearer realm="storage", error="invalid_token", error_description="/);
    expect(challenge).toMatch(because);
    expect(JSON.parse(res.body)).toMatchObject({ error: "invalid_token" });
  });

  test("a token signed with an unknown key: 401 invalid_token", async () => {
    const other = await makeKey("k1", "RS256");
    const res = await get("/whoami", bearer(await sign(other, baseClaims(issuer))));
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_token"');
  });

  test("insufficient scope: 403 naming the scope that would do", async () => {
    const res = await get("/jobs", bearer(await token()));
    expect(res.status).toBe(403);
    expect(res.headers["www-authenticate"]).toBe(
      'Bearer realm="storage", error="insufficient_scope", error_description="the token lacks the scope compute.create", scope="compute.create"',
    );
    expect(JSON.parse(res.body)).toMatchObject({ error: "insufficient_scope", scope: "compute.create" });
  });

  test("satisfy any: one of the required scopes is enough", async () => {
    expect((await get("/jobs/status", bearer(await token()))).status).toBe(200);
    const none = await get("/jobs/status", bearer(await token({ scope: "openid" })));
    expect(none.status).toBe(403);
    expect(none.headers["www-authenticate"]).toContain('scope="compute.cancel compute.read"');
  });

  test("scopes from the request path: prefix by whole segment", async () => {
    const t = await token();
    const inside = await get("/files/cms/a", bearer(t));
    expect(inside.status).toBe(200);
    expect(JSON.parse(inside.body)).toMatchObject({ canRead: true });
    const beside = await get("/files/cmsx/a", bearer(t));
    expect(beside.status).toBe(403);
    expect(beside.headers["www-authenticate"]).toContain('scope="storage.read:/cmsx/a"');
  });

  test("scopes from the request path: encoded traversal does not escape the grant", async () => {
    const res = await get("/files/cms/%2e%2e/atlas/x", bearer(await token()));
    expect(res.status).toBe(403);
  });

  test("storage.stage implies storage.read on a real route", async () => {
    const res = await get("/files/tape/run1", bearer(await token({ scope: "storage.stage:/tape" })));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ canRead: true, canStage: true });
  });

  test("a token in the query string is refused, with or without a header", async () => {
    const t = await token();
    for (const headers of [{}, bearer(t)]) {
      const res = await get(`/whoami?access_token=${t}`, headers);
      expect(res.status).toBe(400);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer realm="storage", error="invalid_request"/);
      expect(JSON.parse(res.body)).toMatchObject({ error: "invalid_request" });
    }
  });

  test("a malformed Authorization header is a 400 invalid_request", async () => {
    const res = await get("/whoami", { authorization: "Bearer" });
    expect(res.status).toBe(400);
    expect(res.headers["www-authenticate"]).toContain('error="invalid_request"');
  });

  test("public routes need no token", async () => {
    const res = await get("/healthz");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true, identity: null });
  });

  test("routes of nested plugins and routers are protected too", async () => {
    expect((await get("/child")).status).toBe(401);
    const res = await get("/child", bearer(await token()));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ subject: "alice" });
  });

  test("a failing requirement function is a server error, not a refusal", async () => {
    const res = await get("/broken", bearer(await token()));
    expect(res.status).toBe(500);
  });
});
