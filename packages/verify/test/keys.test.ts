// Discovery, JWKS caching, key rotation and multi-issuer trust, over real HTTP.
import { createVerifier, discoveryUrl, TokenError } from "@tessera/verify";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  baseClaims,
  clock,
  type HttpFixture,
  jwks,
  makeKey,
  serveIssuer,
  sign,
  startHttp,
} from "./fixtures.js";

let http: HttpFixture;

beforeEach(async () => {
  http = await startHttp();
});

afterEach(async () => {
  await http.close();
});

async function refusal(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

test("discoveryUrl appends the well-known path to the issuer", () => {
  expect(discoveryUrl("https://iam.example/")).toBe("https://iam.example/.well-known/openid-configuration");
  expect(discoveryUrl("https://x.example/realms/cms")).toBe(
    "https://x.example/realms/cms/.well-known/openid-configuration",
  );
});

describe("discovery and caching", () => {
  test("discovers the JWKS once and serves many tokens from the cache", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = serveIssuer(http, "", key);
    const verifier = createVerifier({ issuers: [{ issuer }], clock });
    const tokens = await Promise.all([1, 2, 3].map(() => sign(key, baseClaims(issuer))));
    await Promise.all(tokens.map((t) => verifier.verify(t)));
    await verifier.verify(tokens[0] ?? "");
    expect(http.hits("/.well-known/openid-configuration")).toBe(1);
    expect(http.hits("/jwks")).toBe(1);
  });

  test("a configured jwksUri skips discovery", async () => {
    const key = await makeKey("k1", "ES256");
    http.serve("/keys", jwks(key));
    const issuer = `${http.baseUrl}/no-discovery`;
    const verifier = createVerifier({ issuers: [{ issuer, jwksUri: `${http.baseUrl}/keys` }], clock });
    await verifier.verify(await sign(key, baseClaims(issuer)));
    expect(http.requested()).toEqual(["/keys"]);
  });

  test("a discovery document naming another issuer is not trusted", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = `${http.baseUrl}/a`;
    http.serve("/a/.well-known/openid-configuration", {
      issuer: `${http.baseUrl}/b`,
      jwks_uri: `${issuer}/jwks`,
    });
    http.serve("/a/jwks", jwks(key));
    const verifier = createVerifier({ issuers: [{ issuer }], clock });
    const error = await refusal(verifier.verify(await sign(key, baseClaims(issuer))));
    expect(error.description).toMatch(/could not obtain the signing keys/);
    expect(http.hits("/a/jwks")).toBe(0);
  });

  test("an unreachable discovery is an invalid_token, retried only after the cooldown", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = `${http.baseUrl}/missing`;
    const verifier = createVerifier({ issuers: [{ issuer }], clock, keyRefetchCooldownSeconds: 3600 });
    const token = await sign(key, baseClaims(issuer));
    expect((await refusal(verifier.verify(token))).code).toBe("invalid_token");
    expect((await refusal(verifier.verify(token))).code).toBe("invalid_token");
    expect(http.hits("/missing/.well-known/openid-configuration")).toBe(1);
  });

  test("discovery recovers after a failure once the cooldown has passed", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = `${http.baseUrl}/late`;
    const verifier = createVerifier({ issuers: [{ issuer }], clock, keyRefetchCooldownSeconds: 0 });
    const token = await sign(key, baseClaims(issuer));
    await refusal(verifier.verify(token));
    serveIssuer(http, "/late", key);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });

  test("the injected fetch is used for discovery and keys", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = serveIssuer(http, "", key);
    const seen: string[] = [];
    const recordingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const verifier = createVerifier({ issuers: [{ issuer }], clock, fetch: recordingFetch });
    await verifier.verify(await sign(key, baseClaims(issuer)));
    expect(seen).toEqual([`${issuer}/.well-known/openid-configuration`, `${issuer}/jwks`]);
  });

  test("the key cache lifetime must lie within the WLCG bounds", () => {
    const issuers = [{ issuer: "https://iam.example" }];
    expect(() => createVerifier({ issuers, keyCacheSeconds: 60 })).toThrow(/below the WLCG minimum of 1 h/);
    expect(() => createVerifier({ issuers, keyCacheSeconds: 2 * 86400 })).toThrow(
      /above the WLCG maximum of 1 d/,
    );
    expect(() => createVerifier({ issuers, keyCacheSeconds: 3600 })).not.toThrow();
  });

  test("other configuration mistakes are refused at construction", () => {
    expect(() => createVerifier({ issuers: [] })).toThrow(/at least one/);
    expect(() => createVerifier({ issuers: [{ issuer: "https://a" }, { issuer: "https://a" }] })).toThrow(
      /twice/,
    );
    expect(() => createVerifier({ issuers: [{ issuer: "https://a" }], maxLifetimeSeconds: 21601 })).toThrow(
      /WLCG maximum/,
    );
    expect(() => createVerifier({ issuers: [{ issuer: "https://a" }], clockToleranceSeconds: -1 })).toThrow();
  });
});

describe("key rotation", () => {
  test("a token with a new kid triggers one refetch and is accepted", async () => {
    const old = await makeKey("2026-01", "RS256");
    const fresh = await makeKey("2026-07", "ES256");
    const issuer = serveIssuer(http, "", old);
    const verifier = createVerifier({ issuers: [{ issuer }], clock, keyRefetchCooldownSeconds: 0 });
    await verifier.verify(await sign(old, baseClaims(issuer)));
    expect(http.hits("/jwks")).toBe(1);

    http.serve("/jwks", jwks(old, fresh));
    await verifier.verify(await sign(fresh, baseClaims(issuer)));
    expect(http.hits("/jwks")).toBe(2);
    // Both keys are now cached: no further request.
    await verifier.verify(await sign(old, baseClaims(issuer)));
    expect(http.hits("/jwks")).toBe(2);
  });

  test("unknown kids do not refetch during the cooldown", async () => {
    const key = await makeKey("k1", "RS256");
    const issuer = serveIssuer(http, "", key);
    const verifier = createVerifier({ issuers: [{ issuer }], clock });
    await verifier.verify(await sign(key, baseClaims(issuer)));
    for (const kid of ["u1", "u2", "u3"]) {
      const error = await refusal(verifier.verify(await sign(key, baseClaims(issuer), { header: { kid } })));
      expect(error.description).toMatch(/no trusted key matches/);
    }
    expect(http.hits("/jwks")).toBe(1);
  });

  test("a key removed from the JWKS stops verifying once the cache is refreshed", async () => {
    const retired = await makeKey("old", "RS256");
    const current = await makeKey("new", "RS256");
    const issuer = serveIssuer(http, "", retired);
    const verifier = createVerifier({ issuers: [{ issuer }], clock, keyRefetchCooldownSeconds: 0 });
    await verifier.verify(await sign(retired, baseClaims(issuer)));
    http.serve("/jwks", jwks(current));
    await verifier.verify(await sign(current, baseClaims(issuer)));
    await refusal(verifier.verify(await sign(retired, baseClaims(issuer))));
  });
});

describe("multi-issuer trust", () => {
  test("each issuer's tokens verify only against that issuer's keys", async () => {
    const keyA = await makeKey("shared-kid", "RS256");
    const keyB = await makeKey("shared-kid", "ES256");
    const issuerA = serveIssuer(http, "/a", keyA);
    const issuerB = serveIssuer(http, "/b", keyB);
    const verifier = createVerifier({ issuers: [{ issuer: issuerA }, { issuer: issuerB }], clock });

    expect((await verifier.verify(await sign(keyA, baseClaims(issuerA)))).issuer).toBe(issuerA);
    expect((await verifier.verify(await sign(keyB, baseClaims(issuerB)))).issuer).toBe(issuerB);
    // Signed by A but claiming to be B: B's keys are used, and they do not verify it.
    await refusal(verifier.verify(await sign(keyA, baseClaims(issuerB))));
    await refusal(verifier.verify(await sign(keyB, baseClaims(issuerA))));
  });

  test("per-issuer audiences apply to that issuer only", async () => {
    const keyA = await makeKey("a", "RS256");
    const keyB = await makeKey("b", "RS256");
    const issuerA = serveIssuer(http, "/a", keyA);
    const issuerB = serveIssuer(http, "/b", keyB);
    const verifier = createVerifier({
      issuers: [{ issuer: issuerA, audiences: ["fts"] }, { issuer: issuerB }],
      clock,
    });
    await refusal(verifier.verify(await sign(keyA, { ...baseClaims(issuerA), aud: "rucio" })));
    await expect(
      verifier.verify(await sign(keyB, { ...baseClaims(issuerB), aud: "rucio" })),
    ).resolves.toBeDefined();
  });
});
