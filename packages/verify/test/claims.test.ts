// Claim rules and scope checks on tokens from a real issuer (frozen clock).
import { createVerifier, TokenError, type Verifier, type VerifyOptions } from "@tessera/verify";
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

let http: HttpFixture;
let issuer: string;
let key: SigningKey;
let open: Verifier;
let fts: Verifier;
// Extra claims are loosely typed on purpose: the tests put wrongly typed values in them.
const claims = (extra: Record<string, unknown> = {}): JWTPayload =>
  ({ ...baseClaims(issuer), ...extra }) as JWTPayload;

async function refusal(v: Verifier, token: string, options?: VerifyOptions): Promise<TokenError> {
  const error = await v.verify(token, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

beforeAll(async () => {
  http = await startHttp();
  key = await makeKey("k1", "ES256");
  issuer = serveIssuer(http, "", key);
  open = createVerifier({ issuers: [{ issuer }], clock });
  fts = createVerifier({ issuers: [{ issuer, audiences: ["fts"] }], clock });
});

afterAll(async () => {
  await http.close();
});

describe("result", () => {
  test("carries claims, scopes, issuer, subject and groups", async () => {
    const token = await sign(
      key,
      claims({ "wlcg.groups": ["/cms", "/cms/uscms"], scope: "openid  storage.read:/cms " }),
    );
    const result = await open.verify(token);
    expect(result).toMatchObject({
      issuer,
      subject: "alice",
      scopes: ["openid", "storage.read:/cms"],
      groups: ["/cms", "/cms/uscms"],
    });
    expect(result.claims.jti).toBeTypeOf("string");
  });

  test("no scope or group claims give empty lists", async () => {
    const { scope: _, ...rest } = claims();
    const result = await open.verify(await sign(key, rest));
    expect(result.scopes).toEqual([]);
    expect(result.groups).toEqual([]);
  });
});

describe("audience", () => {
  test("string or array, matched against the accepted audiences", async () => {
    for (const aud of [
      "fts",
      ["fts"],
      ["rucio", "fts"],
      "https://wlcg.cern.ch/jwt/v1/any",
      ["x", "https://wlcg.cern.ch/jwt/v1/any"],
    ]) {
      await expect(fts.verify(await sign(key, claims({ aud }))), JSON.stringify(aud)).resolves.toBeDefined();
    }
    for (const aud of ["rucio", ["rucio"], ["rucio", "dcache"], "FTS", "fts "]) {
      const error = await refusal(fts, await sign(key, claims({ aud })));
      expect(error.description, JSON.stringify(aud)).toMatch(/audience/);
    }
  });

  test("a verifier without audiences accepts any audience, but a token must have one", async () => {
    await expect(open.verify(await sign(key, claims({ aud: "anything" })))).resolves.toBeDefined();
    const { aud: _, ...rest } = claims();
    for (const token of [
      await sign(key, rest),
      await sign(key, claims({ aud: [] })),
      await sign(key, claims({ aud: 7 })),
    ]) {
      expect((await refusal(open, token)).description).toMatch(/audience/);
    }
  });

  test("the per-call audience replaces the configured ones", async () => {
    const token = await sign(key, claims({ aud: "rucio" }));
    await expect(fts.verify(token, { audience: "rucio" })).resolves.toBeDefined();
    await expect(fts.verify(token, { audience: ["dcache", "rucio"] })).resolves.toBeDefined();
    await refusal(open, token, { audience: "fts" });
  });
});

describe("time", () => {
  test("exp and iat are required", async () => {
    const { exp: _e, ...noExp } = claims();
    const { iat: _i, ...noIat } = claims();
    await refusal(open, await sign(key, noExp));
    await refusal(open, await sign(key, noIat));
  });

  test("iat in the future beyond the skew is refused", async () => {
    await expect(
      open.verify(await sign(key, claims({ iat: NOW + 60, nbf: NOW }))),
      "60 s",
    ).resolves.toBeDefined();
    const error = await refusal(
      open,
      await sign(key, claims({ iat: NOW + 3600, nbf: NOW, exp: NOW + 7200 })),
    );
    expect(error.description).toMatch(/future/);
  });

  test("a smaller configured maximum lifetime is honoured", async () => {
    const strict = createVerifier({ issuers: [{ issuer }], clock, maxLifetimeSeconds: 1200 });
    await expect(
      strict.verify(await sign(key, claims({ iat: NOW, exp: NOW + 1200 }))),
    ).resolves.toBeDefined();
    await refusal(strict, await sign(key, claims({ iat: NOW, exp: NOW + 1201 })));
  });

  test("a zero clock tolerance is exact", async () => {
    const exact = createVerifier({ issuers: [{ issuer }], clock, clockToleranceSeconds: 0 });
    await refusal(exact, await sign(key, claims({ exp: NOW })));
    await expect(exact.verify(await sign(key, claims({ exp: NOW + 1 })))).resolves.toBeDefined();
  });
});

describe("other claims", () => {
  test("wlcg.ver may be absent but never malformed or unknown", async () => {
    const { "wlcg.ver": _, ...rest } = claims();
    await expect(open.verify(await sign(key, rest))).resolves.toBeDefined();
    for (const ver of ["1", "1.0.0", 1, "1.1", "v1.0"]) {
      expect((await refusal(open, await sign(key, claims({ "wlcg.ver": ver })))).description).toMatch(
        /wlcg\.ver/,
      );
    }
  });

  test("sub must be a valid WLCG subject", async () => {
    const { sub: _, ...rest } = claims();
    await refusal(open, await sign(key, rest));
    await refusal(open, await sign(key, claims({ sub: "a".repeat(256) })));
    await refusal(open, await sign(key, claims({ sub: 42 })));
    await expect(open.verify(await sign(key, claims({ sub: "a".repeat(255) })))).resolves.toBeDefined();
  });

  test("malformed scope and wlcg.groups claims are refused", async () => {
    await refusal(open, await sign(key, claims({ scope: ["storage.read:/"] })));
    await refusal(open, await sign(key, claims({ "wlcg.groups": "/cms" })));
    await refusal(open, await sign(key, claims({ "wlcg.groups": ["/cms", 1] })));
  });
});

describe("scope checks", () => {
  // Held: storage.read:/cms storage.modify:/cms/store/user/alice compute.read
  let token: string;
  beforeAll(async () => {
    token = await sign(key, claims());
  });

  test("all (the default): every required scope must be implied", async () => {
    await expect(
      open.verify(token, {
        requiredScopes: ["storage.read:/cms/data/f", "storage.create:/cms/store/user/alice/x"],
      }),
    ).resolves.toBeDefined();
    const error = await refusal(open, token, { requiredScopes: ["storage.read:/cms/x", "compute.create"] });
    expect(error.code).toBe("insufficient_scope");
    expect(error.status).toBe(403);
    expect(error.scope).toEqual(["compute.create"]);
    expect(error.description).toContain("compute.create");
  });

  test("any: one implied scope suffices", async () => {
    await expect(
      open.verify(token, { requiredScopes: ["compute.create", "compute.read"], satisfy: "any" }),
    ).resolves.toBeDefined();
    const error = await refusal(open, token, {
      requiredScopes: ["compute.create", "storage.read:/atlas"],
      satisfy: "any",
    });
    expect(error.code).toBe("insufficient_scope");
    expect(error.scope).toEqual(["compute.create", "storage.read:/atlas"]);
  });

  test("path tricks in required scopes are resolved before the check", async () => {
    await refusal(open, token, { requiredScopes: ["storage.read:/cms/../atlas"] });
    await refusal(open, token, { requiredScopes: ["storage.read:/cms/%2e%2e/atlas"] });
    await refusal(open, token, { requiredScopes: ["storage.read:/cmsx"] });
  });

  test("no required scopes always passes", async () => {
    await expect(open.verify(token, { requiredScopes: [], satisfy: "any" })).resolves.toBeDefined();
  });

  test("an invalid token is invalid_token even when scopes are also missing", async () => {
    const expired = await sign(key, claims({ iat: NOW - 7200, exp: NOW - 3600 }));
    expect((await refusal(open, expired, { requiredScopes: ["compute.create"] })).code).toBe("invalid_token");
  });
});
