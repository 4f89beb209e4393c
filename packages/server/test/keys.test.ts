import { createLocalJWKSet, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKeyRing } from "../src/domain/keys/key-ring.js";
import type { Store } from "../src/store/database.js";
import { createRepositories } from "../src/store/repositories/index.js";
import { createTestClock } from "./support/test-clock.js";
import { createTestDatabase, type TestDatabase } from "./support/test-store.js";

const HOUR = 3_600_000;
let database: TestDatabase;
let store: Store;

beforeAll(async () => {
  database = await createTestDatabase();
  store = database.open();
  await store.migrate();
});
afterAll(() => database.cleanup());

function ring(
  clock: ReturnType<typeof createTestClock>,
  overrides: Partial<Parameters<typeof createKeyRing>[0]> = {},
) {
  return createKeyRing({
    repo: createRepositories(store.db, store.dialect).signingKeys,
    clock,
    algorithm: "RS256",
    encryptionKey: new Uint8Array(32).fill(7),
    rotationInterval: 10 * 86_400,
    prepublish: 3600,
    maxTokenLifetime: 1200,
    reloadInterval: 0,
    ...overrides,
  });
}

async function wipe() {
  await store.db.deleteFrom("signing_keys").execute();
}

describe("signing keys", () => {
  test("the first start creates a key that signs at once; its public JWK imports with jose", async () => {
    await wipe();
    const clock = createTestClock();
    const keys = ring(clock);
    await keys.ensureCurrent();
    await keys.ensureCurrent(); // idempotent
    const jwks = await keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    const [jwk] = jwks.keys as [JWK];
    expect(jwk).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    expect(jwk.kid).toBeTruthy();
    expect(jwk.d).toBeUndefined();
    expect(Buffer.from(jwk.n as string, "base64url").length).toBe(256); // RSA-2048
    await importJWK(jwk, "RS256");
    const token = await keys.sign({ sub: "alice", iss: "https://issuer.example" }, "at+jwt");
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: jwk.kid, typ: "at+jwt" });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ["RS256"] });
    expect(payload.sub).toBe("alice");
  });

  test("ES256 keys are P-256", async () => {
    await wipe();
    const keys = ring(createTestClock(), { algorithm: "ES256" });
    await keys.ensureCurrent();
    const jwks = await keys.jwks();
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    const token = await keys.sign({ sub: "bob" }, "at+jwt");
    await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ["ES256"] });
  });

  // The signature is computed on the event loop (a one-core process) or in libuv's pool; either
  // way jose, which verifies every token Tessera reads, must accept it, header and claims intact.
  for (const algorithm of ["RS256", "ES256"] as const)
    for (const signOn of ["event-loop", "thread-pool"] as const)
      test(`${algorithm} tokens signed on the ${signOn} verify with jose`, async () => {
        await wipe();
        const keys = ring(createTestClock(), { algorithm, signOn });
        await keys.ensureCurrent();
        const jwks = createLocalJWKSet(await keys.jwks());
        const claims = { sub: "carol", scope: "storage.read:/cms", "wlcg.ver": "1.0", n: 1, ü: "ünïcode" };
        const tokens = await Promise.all([1, 2, 3].map((n) => keys.sign({ ...claims, n }, "JWT")));
        for (const [i, token] of tokens.entries()) {
          const { payload, protectedHeader } = await jwtVerify(token, jwks, { algorithms: [algorithm] });
          expect(protectedHeader).toEqual({ alg: algorithm, kid: (await keys.signer()).kid, typ: "JWT" });
          expect(payload).toEqual({ ...claims, n: i + 1 });
        }
        // ES256 signatures are r‖s (64 bytes), not OpenSSL's DER.
        const signature = Buffer.from(tokens[0]?.split(".")[2] ?? "", "base64url");
        expect(signature.length).toBe(algorithm === "ES256" ? 64 : 256);
      });

  test("private keys are encrypted at rest", async () => {
    await wipe();
    const keys = ring(createTestClock());
    await keys.ensureCurrent();
    const row = await store.db.selectFrom("signing_keys").selectAll().executeTakeFirstOrThrow();
    expect(row.private_jwe.split(".")).toHaveLength(5); // compact JWE
    expect(row.private_jwe).not.toContain('"d"');
    expect(JSON.parse(row.public_jwk).d).toBeUndefined();
    const wrongKey = ring(createTestClock(), { encryptionKey: new Uint8Array(32).fill(9) });
    await expect(wrongKey.sign({}, "at+jwt")).rejects.toThrow(/cannot be decrypted/);
  });

  test("rotation publishes the new key before it signs and keeps the old one until its tokens expire", async () => {
    await wipe();
    const clock = createTestClock();
    const keys = ring(clock);
    await keys.ensureCurrent();
    const oldKid = decodeProtectedHeader(await keys.sign({}, "at+jwt")).kid;
    const next = await keys.rotate();

    // Published at once, not yet signing.
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([oldKid, next.kid]);
    expect(decodeProtectedHeader(await keys.sign({}, "at+jwt")).kid).toBe(oldKid);

    // After the prepublication hour the new key signs; the old one is still published.
    clock.advance(HOUR);
    expect(decodeProtectedHeader(await keys.sign({}, "at+jwt")).kid).toBe(next.kid);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toContain(oldKid);

    // The last token of the old key lives 20 minutes (+1 minute skew); then the key goes.
    clock.advance(20 * 60_000);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toContain(oldKid);
    clock.advance(60_000 + 1);
    expect((await keys.jwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
  });

  test("rotates by itself when the key reaches its age", async () => {
    await wipe();
    const clock = createTestClock();
    const keys = ring(clock, { rotationInterval: 2 * 86_400 });
    await keys.ensureCurrent();
    clock.advance(2 * 86_400_000 - 1);
    await keys.ensureCurrent();
    expect((await keys.jwks()).keys).toHaveLength(1);
    clock.advance(1);
    await keys.ensureCurrent();
    await keys.ensureCurrent(); // a second check while a key is pending does not rotate again
    expect((await keys.jwks()).keys).toHaveLength(2);
  });

  test("a rotation made on one node is seen by another; two nodes rotating at once make one key", async () => {
    await wipe();
    const clock = createTestClock();
    const node1 = ring(clock);
    const node2 = ring(clock);
    await node1.ensureCurrent();
    await node2.ensureCurrent();
    expect((await node2.jwks()).keys).toHaveLength(1);
    await Promise.all([node1.rotate(), node2.rotate()]);
    const published = (await node1.jwks()).keys;
    expect(published).toHaveLength(2);
    expect((await node2.jwks()).keys.map((k) => k.kid)).toEqual(published.map((k) => k.kid));
    clock.advance(HOUR);
    const kid1 = decodeProtectedHeader(await node1.sign({}, "at+jwt")).kid;
    const kid2 = decodeProtectedHeader(await node2.sign({}, "at+jwt")).kid;
    expect(kid1).toBe(kid2);
    expect(kid1).toBe(published[1]?.kid);
  });
});
