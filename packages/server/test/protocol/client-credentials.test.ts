import { createSecretKey } from "node:crypto";
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { beforeAll, describe, expect, test, vi } from "vitest";
import {
  JWT_BEARER_ASSERTION_TYPE,
  presentedCredentials,
  verifyClientAssertion,
} from "../../src/protocol/client-credentials.js";
import { asyncOAuthErrorOf, expectOAuthError } from "./expect-oauth-error.js";

function basic(id: string, secret: string, encode = true): string {
  const e = (s: string) => (encode ? encodeURIComponent(s).replace(/%20/g, "+") : s);
  return `Basic ${Buffer.from(`${e(id)}:${e(secret)}`, "utf8").toString("base64")}`;
}

/** An unsigned JWT (never verified by presentedCredentials, which only reads sub/iss). */
function unsigned(claims: JWTPayload): string {
  return new UnsecuredJWT(claims).encode();
}

describe("presentedCredentials: client_secret_basic (RFC 6749 §2.3.1)", () => {
  test("reads the id and secret", () => {
    expect(presentedCredentials(basic("rucio", "s3cret"), {})).toEqual({
      method: "client_secret_basic",
      clientId: "rucio",
      secret: "s3cret",
    });
  });

  test("both parts are form-urlencoded: %XX decoded and + is a space", () => {
    expect(presentedCredentials(basic("my client:1", "a+b %/:?&=é"), {})).toEqual({
      method: "client_secret_basic",
      clientId: "my client:1",
      secret: "a+b %/:?&=é",
    });
    expect(presentedCredentials(`Basic ${Buffer.from("id:a+b").toString("base64")}`, {})).toMatchObject({
      secret: "a b",
    });
  });

  test("the first colon separates id and secret; later colons belong to the secret", () => {
    expect(presentedCredentials(basic("id", "x:y:z", false), {})).toMatchObject({
      clientId: "id",
      secret: "x:y:z",
    });
  });

  test("the scheme name is case-insensitive and extra spaces are tolerated", () => {
    const token = Buffer.from("id:secret").toString("base64");
    expect(presentedCredentials(`basic ${token}`, {})).toMatchObject({ clientId: "id" });
    expect(presentedCredentials(`BASIC   ${token}  `, {})).toMatchObject({ clientId: "id" });
  });

  test("base64 without padding is accepted", () => {
    const token = Buffer.from("id:secret1").toString("base64").replace(/=+$/, "");
    expect(presentedCredentials(`Basic ${token}`, {})).toMatchObject({ clientId: "id", secret: "secret1" });
  });

  test.each([
    ["no credentials", "Basic"],
    ["blank credentials", "Basic   "],
    ["not base64", "Basic !!!"],
    ["base64url alphabet", `Basic ${Buffer.from("id:>>?").toString("base64url")}`],
    ["impossible length", "Basic abcde"],
    ["no colon", `Basic ${Buffer.from("idsecret").toString("base64")}`],
    ["empty id", `Basic ${Buffer.from(":secret").toString("base64")}`],
    ["empty secret", `Basic ${Buffer.from("id:").toString("base64")}`],
    ["bad percent-encoding", `Basic ${Buffer.from("id:%zz").toString("base64")}`],
  ])("malformed Basic (%s) is invalid_client with status 401", (_why, header) => {
    const error = expectOAuthError(() => presentedCredentials(header, {}), "invalid_client");
    expect(error.status).toBe(401);
  });

  test("the error never echoes the secret", () => {
    const error = expectOAuthError(
      () => presentedCredentials(`Basic ${Buffer.from("id:TOPSECRET%zz").toString("base64")}`, {}),
      "invalid_client",
    );
    expect(JSON.stringify(error.toJSON())).not.toContain("TOPSECRET");
    expect(error.message).not.toContain("TOPSECRET");
  });

  test("a body client_id equal to the Basic one is fine; a different one is invalid_request", () => {
    expect(presentedCredentials(basic("id", "s"), { client_id: "id" })).toMatchObject({ clientId: "id" });
    expectOAuthError(() => presentedCredentials(basic("id", "s"), { client_id: "other" }), "invalid_request");
  });

  test("Basic plus a body secret is two methods: invalid_request", () => {
    expectOAuthError(
      () => presentedCredentials(basic("id", "s"), { client_id: "id", client_secret: "s" }),
      "invalid_request",
      /more than one/,
    );
  });

  test("Basic plus an assertion is two methods: invalid_request", () => {
    expectOAuthError(
      () =>
        presentedCredentials(basic("id", "s"), {
          client_assertion: unsigned({ iss: "id", sub: "id" }),
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        }),
      "invalid_request",
    );
  });

  test("another Authorization scheme is not client authentication", () => {
    expect(presentedCredentials("Bearer abc", { client_id: "id" })).toEqual({
      method: "none",
      clientId: "id",
    });
    expect(presentedCredentials("Bearer abc", {})).toBeUndefined();
    expect(presentedCredentials("", { client_id: "id", client_secret: "s" })).toMatchObject({
      method: "client_secret_post",
    });
  });
});

describe("presentedCredentials: client_secret_post and none", () => {
  test("client_id and client_secret in the body", () => {
    expect(presentedCredentials(undefined, { client_id: "id", client_secret: "s" })).toEqual({
      method: "client_secret_post",
      clientId: "id",
      secret: "s",
    });
  });

  test("a secret without a client_id is invalid_request", () => {
    expectOAuthError(
      () => presentedCredentials(undefined, { client_secret: "s" }),
      "invalid_request",
      /client_id/,
    );
  });

  test("client_id alone is a public client", () => {
    expect(presentedCredentials(undefined, { client_id: "cli" })).toEqual({
      method: "none",
      clientId: "cli",
    });
  });

  test("nothing at all → undefined", () => {
    expect(presentedCredentials(undefined, {})).toBeUndefined();
    expect(
      presentedCredentials(undefined, {
        client_id: undefined,
        client_secret: undefined,
        client_assertion: undefined,
        client_assertion_type: undefined,
      }),
    ).toBeUndefined();
  });
});

describe("presentedCredentials: private_key_jwt (RFC 7523 §2.2)", () => {
  const assertion = unsigned({ iss: "fts", sub: "fts", aud: "https://issuer.example" });

  test("client_id is taken from the assertion when absent", () => {
    expect(
      presentedCredentials(undefined, {
        client_assertion: assertion,
        client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
      }),
    ).toEqual({ method: "private_key_jwt", clientId: "fts", assertion });
  });

  test("a matching client_id is fine; a different one is invalid_client", () => {
    const params = { client_assertion: assertion, client_assertion_type: JWT_BEARER_ASSERTION_TYPE };
    expect(presentedCredentials(undefined, { ...params, client_id: "fts" })).toMatchObject({
      clientId: "fts",
    });
    expectOAuthError(
      () => presentedCredentials(undefined, { ...params, client_id: "rucio" }),
      "invalid_client",
    );
  });

  test.each([
    ["iss differs from sub", { iss: "a", sub: "b" }],
    ["no sub", { iss: "a" }],
    ["no iss", { sub: "a" }],
    ["empty sub", { iss: "", sub: "" }],
    ["sub not a string", { iss: "a", sub: 1 as unknown as string }],
  ])("an assertion whose %s is invalid_client", (_why, claims) => {
    expectOAuthError(
      () =>
        presentedCredentials(undefined, {
          client_assertion: unsigned(claims),
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        }),
      "invalid_client",
    );
  });

  test.each(["not-a-jwt", "a.b.c", "", "eyJhbGciOiJub25lIn0.bm90IGpzb24."])(
    "a malformed assertion %j is invalid_client",
    (bad) => {
      expectOAuthError(
        () =>
          presentedCredentials(undefined, {
            client_assertion: bad,
            client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
          }),
        "invalid_client",
        /client assertion/,
      );
    },
  );

  test("an unsupported client_assertion_type is invalid_client", () => {
    expectOAuthError(
      () =>
        presentedCredentials(undefined, {
          client_assertion: assertion,
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
        }),
      "invalid_client",
      /client_assertion_type/,
    );
  });

  test("an assertion without its type, or a type without an assertion, is invalid_request", () => {
    expectOAuthError(
      () => presentedCredentials(undefined, { client_assertion: assertion }),
      "invalid_request",
    );
    expectOAuthError(
      () =>
        presentedCredentials(undefined, {
          client_id: "fts",
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        }),
      "invalid_request",
    );
  });

  test("an assertion plus a secret is two methods: invalid_request", () => {
    expectOAuthError(
      () =>
        presentedCredentials(undefined, {
          client_id: "fts",
          client_secret: "s",
          client_assertion: assertion,
          client_assertion_type: JWT_BEARER_ASSERTION_TYPE,
        }),
      "invalid_request",
    );
  });
});

describe("verifyClientAssertion (RFC 7523 §3, OIDC Core §9)", () => {
  const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
  const NOW_S = NOW / 1000;
  const TOKEN_ENDPOINT = "https://issuer.example/token";
  const ISSUER = "https://issuer.example";
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};
  let jwks: { keys: JWK[] };

  beforeAll(async () => {
    for (const alg of ["RS256", "PS256", "ES256", "EdDSA"]) {
      const { privateKey, publicKey } = await generateKeyPair(alg);
      keys[alg] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: alg, alg } };
    }
    jwks = { keys: Object.values(keys).map((k) => k.jwk) };
  });

  function key(alg: string): CryptoKey {
    const entry = keys[alg];
    if (!entry) throw new Error(`no key ${alg}`);
    return entry.privateKey;
  }

  async function sign(
    claims: JWTPayload = {},
    opts: { alg?: string; kid?: string; omit?: string[]; key?: CryptoKey | Uint8Array } = {},
  ): Promise<string> {
    const alg = opts.alg ?? "ES256";
    const payload: JWTPayload = {
      iss: "fts",
      sub: "fts",
      aud: TOKEN_ENDPOINT,
      iat: NOW_S,
      exp: NOW_S + 120,
      jti: "jti-1",
      ...claims,
    };
    for (const name of opts.omit ?? []) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg, kid: opts.kid ?? alg }).sign(opts.key ?? key(alg));
  }

  function options(overrides: Partial<Parameters<typeof verifyClientAssertion>[1]> = {}) {
    return {
      clientId: "fts",
      audiences: [TOKEN_ENDPOINT, ISSUER],
      jwks,
      now: NOW,
      isReplay: vi.fn(async () => false),
      ...overrides,
    };
  }

  async function rejects(assertion: string | Promise<string>, opts = options()): Promise<string> {
    const error = await asyncOAuthErrorOf(async () => verifyClientAssertion(await assertion, opts));
    expect(error.code).toBe("invalid_client");
    expect(error.status).toBe(401);
    expect(error.description).toMatch(/^client assertion /);
    return error.description;
  }

  test.each(["RS256", "PS256", "ES256", "EdDSA"])(
    "a valid %s assertion verifies and its jti is recorded",
    async (alg) => {
      const opts = options();
      await expect(
        verifyClientAssertion(await sign({ jti: `j-${alg}` }, { alg }), opts),
      ).resolves.toBeUndefined();
      expect(opts.isReplay).toHaveBeenCalledWith(`j-${alg}`, (NOW_S + 120) * 1000);
    },
  );

  test("aud may be the issuer, or an array containing an accepted audience", async () => {
    await verifyClientAssertion(await sign({ aud: ISSUER }), options());
    await verifyClientAssertion(await sign({ aud: ["https://other.example", TOKEN_ENDPOINT] }), options());
  });

  test("a wrong or missing audience is refused", async () => {
    expect(await rejects(sign({ aud: "https://other.example/token" }))).toMatch(/aud/);
    expect(await rejects(sign({ aud: `${TOKEN_ENDPOINT}/` }))).toMatch(/aud/);
    await rejects(sign({}, { omit: ["aud"] }));
  });

  test("iss and sub must both be the client_id", async () => {
    expect(await rejects(sign({ iss: "rucio" }))).toMatch(/iss/);
    expect(await rejects(sign({ sub: "rucio" }))).toMatch(/sub/);
    await rejects(sign({}), options({ clientId: "rucio" }));
    await rejects(sign({}, { omit: ["sub"] }));
  });

  test("exp is required, and expiry allows 60 s of clock skew", async () => {
    await rejects(sign({}, { omit: ["exp"] }));
    expect(await rejects(sign({ iat: NOW_S - 200, exp: NOW_S - 61 }))).toMatch(/expired/);
    await verifyClientAssertion(await sign({ iat: NOW_S - 200, exp: NOW_S - 30 }), options());
  });

  test("the time comes from `now`, not the wall clock", async () => {
    const assertion = await sign();
    await verifyClientAssertion(assertion, options());
    await rejects(assertion, options({ now: NOW + 10 * 60_000 }));
  });

  test("nbf and iat in the future beyond the skew are refused", async () => {
    await rejects(sign({ nbf: NOW_S + 120, exp: NOW_S + 200 }));
    expect(await rejects(sign({ iat: NOW_S + 120, exp: NOW_S + 200 }))).toMatch(/iat/);
    await verifyClientAssertion(await sign({ iat: NOW_S + 30, nbf: NOW_S + 30 }), options());
  });

  test("the lifetime is at most 300 s by default, or maxLifetimeSeconds", async () => {
    await verifyClientAssertion(await sign({ exp: NOW_S + 300 }), options());
    expect(await rejects(sign({ exp: NOW_S + 301 }))).toMatch(/lifetime/);
    expect(await rejects(sign({ exp: NOW_S + 90 }), options({ maxLifetimeSeconds: 60 }))).toMatch(/lifetime/);
    // Without iat the lifetime counts from now.
    await verifyClientAssertion(await sign({ exp: NOW_S + 300 }, { omit: ["iat"] }), options());
    await rejects(sign({ exp: NOW_S + 3600 }, { omit: ["iat"] }));
    // A year-long assertion backdated with iat cannot slip through.
    await rejects(sign({ iat: NOW_S - 86400 * 365, exp: NOW_S + 100 }));
  });

  test("jti is required and may be used once", async () => {
    expect(await rejects(sign({}, { omit: ["jti"] }))).toMatch(/jti/);
    await rejects(sign({ jti: "" }));
    const seen = new Set<string>();
    const isReplay = vi.fn(async (jti: string) => {
      const replay = seen.has(jti);
      seen.add(jti);
      return replay;
    });
    const assertion = await sign({ jti: "once" });
    await verifyClientAssertion(assertion, options({ isReplay }));
    expect(await rejects(assertion, options({ isReplay }))).toMatch(/already used/);
  });

  test("a failing replay store is not reported as a bad assertion", async () => {
    const failure = new Error("database down");
    await expect(
      verifyClientAssertion(await sign(), options({ isReplay: async () => Promise.reject(failure) })),
    ).rejects.toBe(failure);
  });

  test("the replay store is consulted only for an otherwise valid assertion", async () => {
    const opts = options();
    await rejects(sign({ aud: "https://evil.example" }), opts);
    await rejects(sign({}, { key: key("RS256"), alg: "RS256", kid: "ES256" }), opts);
    expect(opts.isReplay).not.toHaveBeenCalled();
  });

  test("a signature by another key is refused", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    expect(await rejects(sign({}, { key: privateKey, kid: "ES256" }))).toMatch(/signature/);
  });

  test("an unknown kid is refused", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    expect(await rejects(sign({}, { key: privateKey, kid: "unknown" }))).toMatch(/key/);
  });

  test("HS256 is refused even with the secret in the client's JWKS", async () => {
    const secret = new Uint8Array(32).fill(7);
    const oct: JWK = { ...(await exportJWK(createSecretKey(secret))), kid: "hmac", alg: "HS256" };
    const assertion = await sign({}, { alg: "HS256", kid: "hmac", key: secret });
    expect(await rejects(assertion, options({ jwks: { keys: [...jwks.keys, oct] } }))).toMatch(/algorithm/);
  });

  test("alg none is refused", async () => {
    const assertion = unsigned({ iss: "fts", sub: "fts", aud: TOKEN_ENDPOINT, exp: NOW_S + 60, jti: "x" });
    await rejects(assertion);
  });

  test("RS384 (not on the allow-list) is refused", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS384");
    const jwk = { ...(await exportJWK(publicKey)), kid: "rs384", alg: "RS384" };
    const assertion = await sign({}, { alg: "RS384", kid: "rs384", key: privateKey });
    expect(await rejects(assertion, options({ jwks: { keys: [jwk] } }))).toMatch(/algorithm/);
  });

  test("an empty or broken JWKS refuses, it does not throw something else", async () => {
    await rejects(sign(), options({ jwks: { keys: [] } }));
    await rejects(
      sign(),
      options({ jwks: { keys: [{ kty: "EC", kid: "ES256", alg: "ES256", crv: "P-256" }] } }),
    );
    await rejects(sign(), options({ jwks: { keys: [{ nonsense: true }] } }));
  });

  test.each(["", "garbage", "a.b.c", "eyJhbGciOiJFUzI1NiJ9..", "\u0000"])(
    "garbage %j is refused",
    async (bad) => {
      await rejects(bad);
    },
  );
});
