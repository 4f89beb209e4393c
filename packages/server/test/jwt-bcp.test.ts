import { createHmac, createPublicKey, randomUUID, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startJwtIssuer } from "./support/jwt-issuer.js";
import { basicAuth } from "./support/oauth-client.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

/**
 * RFC 8725 (JSON Web Token Best Current Practices) at the gateway (`GET /auth`) and where Tessera
 * takes its own access tokens back (`/userinfo`, `/introspect`): every forged, confused or
 * oversized token is refused (401 / inactive), never a 4xx of another kind or a 5xx, and keys
 * named by the token (`jku`, `x5u`, `kid` URLs) are never fetched.
 */
let server: TestServer;
let trusted: Awaited<ReturnType<typeof startJwtIssuer>>;
let untrusted: Awaited<ReturnType<typeof startJwtIssuer>>;
let configDir: string;
let recorder: Server;
let recorderUrl: string;
let recorderHits = 0;
let accountId: string;
let client: { clientId: string; secret: string };
const SITE = "https://site.example";
const ANY = "https://wlcg.cern.ch/jwt/v1/any";

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

beforeAll(async () => {
  trusted = await startJwtIssuer();
  untrusted = await startJwtIssuer();
  recorder = createServer((_request, response) => {
    recorderHits++;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: [] }));
  });
  await new Promise<void>((resolve) => recorder.listen(0, "127.0.0.1", resolve));
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  configDir = mkdtempSync(join(tmpdir(), "tessera-jwt-bcp-"));
  const file = join(configDir, "tessera.yaml");
  writeFileSync(
    file,
    [
      "gateway:",
      "  trustedIssuers:",
      `    - issuer: ${trusted.issuer}`,
      `      audiences: [${SITE}]`,
      "",
    ].join("\n"),
  );
  server = await startTestServer({ TESSERA_CONFIG: file });
  accountId = (await server.tessera.services.repos.accounts.findByUsername("admin"))?.id as string;
  const registered = await server.tessera.services.clients.register({
    clientName: "resource server",
    authMethod: "client_secret_basic",
    grantTypes: ["client_credentials"],
    scopes: ["openid"],
  });
  client = { clientId: registered.client.clientId, secret: registered.clientSecret as string };
});
afterAll(async () => {
  await server.close();
  await trusted.close();
  await untrusted.close();
  await new Promise<void>((resolve) => recorder.close(() => resolve()));
  rmSync(configDir, { recursive: true, force: true });
});

/** Claims of a Tessera access token for the administrator, valid now. */
function ownClaims(extra: Record<string, unknown> = {}) {
  const now = Math.floor(server.clock.now() / 1000);
  return {
    iss: server.url,
    sub: accountId,
    aud: ANY,
    client_id: client.clientId,
    scope: "openid",
    "wlcg.ver": "1.0",
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: randomUUID(),
    ...extra,
  };
}

/** Signs any header and payload with Tessera's active key, with no library checks in the way. */
async function signOwn(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const { kid, alg, key } = await server.tessera.services.keys.signer();
  const input = `${b64({ alg, kid, typ: "at+jwt", ...header })}.${b64(payload)}`;
  const signature = sign(
    "sha256",
    Buffer.from(input),
    alg === "ES256" ? { key, dsaEncoding: "ieee-p1363" } : key,
  );
  return `${input}.${signature.toString("base64url")}`;
}

async function auth(token: string) {
  return server.tessera.app.inject({
    method: "GET",
    url: "/auth?scope=openid",
    headers: { authorization: `Bearer ${token}` },
  });
}
async function userinfo(token: string) {
  return server.tessera.app.inject({
    method: "GET",
    url: "/userinfo",
    headers: { authorization: `Bearer ${token}` },
  });
}
async function introspect(token: string) {
  const reply = await server.tessera.app.inject({
    method: "POST",
    url: "/introspect",
    headers: {
      authorization: basicAuth(client.clientId, client.secret),
      "content-type": "application/x-www-form-urlencoded",
    },
    payload: new URLSearchParams({ token }).toString(),
  });
  expect(reply.statusCode).toBe(200);
  return reply.json() as { active: boolean };
}

/** Refused everywhere Tessera takes a bearer: 401 at /auth and /userinfo, inactive at /introspect. */
async function refusedEverywhere(token: string, label: string) {
  const a = await auth(token);
  expect(a.statusCode, `/auth ${label}`).toBe(401);
  expect(a.headers["www-authenticate"], label).toMatch(/^Bearer /);
  expect((await userinfo(token)).statusCode, `/userinfo ${label}`).toBe(401);
  expect((await introspect(token)).active, `/introspect ${label}`).toBe(false);
}

describe("RFC 8725 at the gateway, userinfo and introspection", () => {
  test("baseline: a well-formed token of Tessera's is accepted everywhere", async () => {
    const token = await signOwn({}, ownClaims());
    expect((await auth(token)).statusCode).toBe(200);
    expect((await userinfo(token)).statusCode).toBe(200);
    expect((await introspect(token)).active).toBe(true);
  });

  test("§3.1 alg: none (any spelling) is refused", async () => {
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      const { kid } = await server.tessera.services.keys.signer();
      const token = `${b64({ alg, kid, typ: "at+jwt" })}.${b64(ownClaims())}.`;
      await refusedEverywhere(token, alg);
    }
  });

  test("§3.1 / §2.1 HS256 signed with the server's RSA/EC public key (algorithm confusion) is refused", async () => {
    const { kid } = await server.tessera.services.keys.signer();
    const jwks = await server.tessera.services.keys.jwks();
    const jwk = jwks.keys.find((k) => k.kid === kid) as Record<string, unknown>;
    const pem = createPublicKey({ key: jwk as never, format: "jwk" }).export({ type: "spki", format: "pem" });
    for (const secret of [String(pem), JSON.stringify(jwk), String(jwk.n ?? jwk.x)]) {
      for (const alg of ["HS256", "HS384", "HS512"]) {
        const input = `${b64({ alg, kid, typ: "at+jwt" })}.${b64(ownClaims())}`;
        const hash = alg.replace("HS", "sha");
        const token = `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
        await refusedEverywhere(token, `${alg} with ${secret.slice(0, 20)}`);
      }
    }
  });

  test("§3.1 / RFC 7515 §4.1.11 an unknown crit header parameter is refused", async () => {
    for (const header of [
      { crit: ["x-unknown"], "x-unknown": true },
      { crit: ["exp"] },
      { crit: [] },
      { crit: "x-unknown" },
    ]) {
      await refusedEverywhere(await signOwn(header, ownClaims()), JSON.stringify(header));
    }
  });

  test("§3.10 kid injection strings are refused and never dereferenced", async () => {
    const before = recorderHits;
    for (const kid of [
      "../../../../../../dev/null",
      "/etc/passwd",
      "' OR '1'='1",
      "1; DROP TABLE signing_keys; --",
      `${recorderUrl}/jwks`,
      "x".repeat(10_000),
      "\u0000",
      "",
    ]) {
      await refusedEverywhere(await signOwn({ kid }, ownClaims()), `kid ${kid.slice(0, 30)}`);
    }
    for (const kid of [42, null, ["a"], { $ne: "" }]) {
      await refusedEverywhere(await signOwn({ kid }, ownClaims()), `kid ${JSON.stringify(kid)}`);
    }
    expect(recorderHits).toBe(before);
    expect(
      (await server.tessera.store.db.selectFrom("signing_keys").select("kid").execute()).length,
    ).toBeGreaterThan(0);
  });

  test("§3.10 jku and x5u are never fetched: a key they name does not sign anything", async () => {
    const before = recorderHits;
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const attackerJwk = { ...(await exportJWK(publicKey)), kid: "attacker", alg: "RS256" };
    for (const header of [
      { jku: `${recorderUrl}/jwks`, kid: "attacker" },
      { x5u: `${recorderUrl}/cert.pem`, kid: "attacker" },
      { jwk: attackerJwk, kid: "attacker" },
      { x5c: ["MIIB"], kid: "attacker" },
    ]) {
      const token = await new SignJWT(ownClaims())
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", ...header })
        .sign(privateKey);
      await refusedEverywhere(token, Object.keys(header).join(","));
    }
    // Also with the trusted issuer's name on it: the gateway looks the key up from the issuer's discovery, not the token.
    const forged = await new SignJWT({ sub: "x", scope: "openid", "wlcg.ver": "1.0", aud: SITE })
      .setProtectedHeader({ alg: "RS256", kid: "other-1", typ: "at+jwt", jku: `${recorderUrl}/jwks` })
      .setIssuer(trusted.issuer)
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(privateKey);
    expect((await auth(forged)).statusCode).toBe(401);
    expect(recorderHits).toBe(before);
  });

  test("§3.11 / RFC 9068 wrong typ is refused (an ID token is not an access token)", async () => {
    for (const typ of ["JWT", "id_token+jwt", "secevent+jwt", "logout+jwt", "jwt+at"]) {
      await refusedEverywhere(await signOwn({ typ }, ownClaims()), `typ ${typ}`);
    }
    // A real ID token of Tessera's, audience the client.
    const idToken = await server.tessera.services.keys.sign(
      ownClaims({ aud: client.clientId, nonce: "n" }),
      "JWT",
    );
    await refusedEverywhere(idToken, "an ID token");
  });

  test("§3.9 aud: a string and a one-element array are equivalent; a foreign audience is refused", async () => {
    const now = server.clock.now();
    for (const aud of [SITE, [SITE], ["https://other.example", SITE], ANY, [ANY]]) {
      const token = await trusted.sign({ sub: "u1", scope: "openid", aud }, now);
      expect((await auth(token)).statusCode, JSON.stringify(aud)).toBe(200);
    }
    for (const aud of [
      "https://other.example",
      ["https://other.example"],
      [],
      "",
      `${SITE}/x`,
      SITE.toUpperCase(),
    ]) {
      const token = await trusted.sign({ sub: "u1", scope: "openid", aud }, now);
      expect((await auth(token)).statusCode, JSON.stringify(aud)).toBe(401);
    }
  });

  test("§3.8 exp and nbf: 60 s of skew for other issuers, none for Tessera's own tokens", async () => {
    const now = server.clock.now();
    const s = Math.floor(now / 1000);
    // The helper sets exp = iat + lifetime (seconds).
    const other = (claims: Record<string, unknown>, lifetime = 600) =>
      trusted.sign({ sub: "u1", scope: "openid", aud: SITE, ...claims }, now, lifetime);
    expect((await auth(await other({}, -30))).statusCode).toBe(200);
    expect((await auth(await other({}, -120))).statusCode).toBe(401);
    expect((await auth(await other({ nbf: s + 30 }))).statusCode).toBe(200);
    expect((await auth(await other({ nbf: s + 120 }))).statusCode).toBe(401);
    expect((await auth(await other({ nbf: "now" }))).statusCode).toBe(401);
    await refusedEverywhere(await signOwn({}, ownClaims({ exp: s - 1 })), "own, expired");
    await refusedEverywhere(await signOwn({}, ownClaims({ nbf: s + 30 })), "own, not yet valid");
    await refusedEverywhere(await signOwn({}, ownClaims({ exp: undefined })), "own, no exp");
  });

  test("§3.8 an untrusted issuer with a matching kid, or a trusted issuer's name on an untrusted key, is refused", async () => {
    const now = server.clock.now();
    const foreign = await untrusted.sign({ sub: "u1", scope: "openid", aud: SITE }, now);
    expect((await auth(foreign)).statusCode).toBe(401);
    // Same kid ("other-1") as the trusted issuer, claiming to be it, signed by the other key.
    const [, payload] = foreign.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString());
    const impostor = await untrusted.sign({ ...claims, iss: trusted.issuer }, now);
    expect((await auth(impostor)).statusCode).toBe(401);
    // Tessera's own claims on the untrusted key.
    await refusedEverywhere(await untrusted.sign(ownClaims(), now), "own claims, foreign key");
  });

  test("signature stripping and tampering are refused", async () => {
    const token = await signOwn({}, ownClaims());
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const elevated = b64({ ...ownClaims(), scope: "openid storage.modify:/" });
    for (const [label, forged] of [
      ["no signature", `${header}.${payload}.`],
      ["two parts", `${header}.${payload}`],
      ["payload swapped", `${header}.${elevated}.${signature}`],
      ["signature truncated", `${header}.${payload}.${signature.slice(0, 20)}`],
      [
        "signature flipped",
        `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith("A") ? "B" : "A"}A`,
      ],
      ["four parts", `${token}.${signature}`],
    ] as const) {
      await refusedEverywhere(forged, label);
    }
    // Not even token68 syntax: /userinfo calls that a malformed request (RFC 6750 §3.1, 400).
    const json = JSON.stringify({ protected: header, payload, signature });
    expect((await auth(json)).statusCode).toBe(401);
    expect([400, 401]).toContain((await userinfo(json)).statusCode);
    expect((await introspect(json)).active).toBe(false);
  });

  test("oversized tokens (> 16 KiB) are 401 / inactive, not 413 or 500", async () => {
    const big = await signOwn({}, ownClaims({ padding: "x".repeat(17 * 1024) }));
    expect(big.length).toBeGreaterThan(16 * 1024);
    await refusedEverywhere(big, "17 KiB");
    await refusedEverywhere("A".repeat(40 * 1024), "40 KiB of garbage");
  });
});
