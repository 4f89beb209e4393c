// Negative tests for the classic JWT attacks (RFC 8725 §2), each against a real issuer over HTTP.
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { createVerifier, TokenError, type Verifier } from "@tessera/verify";
import fc from "fast-check";
import { type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  b64url,
  baseClaims,
  clock,
  type HttpFixture,
  jwks,
  makeKey,
  type SigningKey,
  serveIssuer,
  sign,
  startHttp,
  unsecured,
} from "./fixtures.js";

let http: HttpFixture;
let attacker: HttpFixture;
let issuer: string;
let rsa: SigningKey;
let evil: SigningKey;
let verifier: Verifier;
const claims = (): JWTPayload => baseClaims(issuer);

async function rejection(token: string, v: Verifier = verifier): Promise<TokenError> {
  const error = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  expect((error as TokenError).code).toBe("invalid_token");
  return error as TokenError;
}

beforeAll(async () => {
  http = await startHttp();
  attacker = await startHttp();
  rsa = await makeKey("rsa-1", "RS256");
  // The attacker's key re-uses the trusted kid: only the issuer binding keeps it out.
  evil = await makeKey("rsa-1", "RS256");
  issuer = serveIssuer(http, "", rsa);
  serveIssuer(attacker, "", evil);
  verifier = createVerifier({ issuers: [{ issuer }], clock });
});

afterAll(async () => {
  await http.close();
  await attacker.close();
});

test("a valid token is accepted (control)", async () => {
  const result = await verifier.verify(await sign(rsa, claims()));
  expect(result.subject).toBe("alice");
});

describe("issuer trust", () => {
  test("an untrusted issuer is refused even with a matching kid, and never contacted", async () => {
    const token = await sign(evil, { ...claims(), iss: attacker.baseUrl });
    expect((await rejection(token)).description).toMatch(/not trusted/);
    expect(attacker.requested()).toEqual([]);
  });

  test("a token signed by an untrusted key but naming the trusted issuer fails the signature", async () => {
    expect((await rejection(await sign(evil, claims()))).description).toMatch(/signature/);
  });

  test("a token without iss is refused", async () => {
    const { iss: _, ...rest } = claims();
    expect((await rejection(await sign(rsa, rest))).description).toMatch(/not trusted/);
  });

  test("issuer comparison is exact (no trailing-slash or case games)", async () => {
    await rejection(await sign(rsa, { ...claims(), iss: `${issuer}/` }));
    await rejection(await sign(rsa, { ...claims(), iss: issuer.toUpperCase() }));
  });
});

describe("algorithm confusion", () => {
  test("HS256 signed with the RSA public key bytes is refused", async () => {
    const pem = createPublicKey({ key: rsa.publicJwk as JsonWebKey, format: "jwk" }).export({
      type: "spki",
      format: "pem",
    }) as string;
    for (const secret of [pem, JSON.stringify(rsa.publicJwk)]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: "HS256", kid: rsa.kid, typ: "at+jwt" })
        .sign(new TextEncoder().encode(secret));
      expect((await rejection(token)).description).toMatch(/algorithm "HS256"/);
    }
  });

  test("alg none in any spelling is refused", async () => {
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      const token = unsecured({ alg, kid: rsa.kid }, claims());
      expect((await rejection(token)).description).toMatch(/algorithm/);
    }
  });

  test("an algorithm outside the issuer's own list is refused", async () => {
    const v = createVerifier({ issuers: [{ issuer, algorithms: ["ES256"] }], clock });
    expect((await rejection(await sign(rsa, claims()), v)).description).toMatch(/algorithm "RS256"/);
  });

  test("configuring HMAC or none is refused at construction", () => {
    for (const alg of ["HS256", "none", "PS256"]) {
      expect(() => createVerifier({ issuers: [{ issuer, algorithms: [alg as "RS256"] }], clock })).toThrow(
        /not allowed/,
      );
    }
  });
});

describe("signature stripping and tampering", () => {
  test("a token with its signature removed is refused", async () => {
    const [h, p] = (await sign(rsa, claims())).split(".");
    expect((await rejection(`${h}.${p}.`)).description).toMatch(/signature/);
  });

  test("a valid header with the alg switched to none is refused", async () => {
    const [, p] = (await sign(rsa, claims())).split(".");
    await rejection(`${b64url({ alg: "none", kid: rsa.kid })}.${p}.`);
  });

  test("a modified payload under the original signature is refused", async () => {
    const [h, , s] = (await sign(rsa, claims())).split(".");
    const forged = b64url({ ...claims(), sub: "root", scope: "storage.modify:/" });
    expect((await rejection(`${h}.${forged}.${s}`)).description).toMatch(/signature/);
  });

  test("JWE, JSON serialisation and junk are refused before parsing", async () => {
    for (const junk of ["", "a.b", "a.b.c.d.e", "not a token", '{"payload":"x"}', "Bearer x.y.z"]) {
      await rejection(junk);
    }
  });
});

describe("kid handling", () => {
  test("injection strings in kid find no key and reach no other URL", async () => {
    for (const kid of ["../../etc/passwd", "' OR '1'='1' --", "rsa-1; DROP TABLE keys", "%00", "http://x/"]) {
      const token = await sign(rsa, claims(), { header: { kid } });
      expect((await rejection(token)).description).toMatch(/no trusted key matches/);
    }
    expect(new Set(http.requested())).toEqual(new Set(["/.well-known/openid-configuration", "/jwks"]));
  });

  test("a non-string or empty kid is refused", async () => {
    for (const kid of ["", 1, null, ["rsa-1"]]) {
      expect((await rejection(await sign(rsa, claims(), { header: { kid } }))).description).toMatch(/key id/);
    }
  });
});

describe("key location headers are never followed", () => {
  test("jku and x5u pointing at the attacker are not fetched", async () => {
    attacker.serve("/evil-jwks", jwks(evil));
    const where = { jku: `${attacker.baseUrl}/evil-jwks`, x5u: `${attacker.baseUrl}/evil-cert` };
    // Signed by the attacker: refused, and the attacker sees no request.
    await rejection(await sign(evil, claims(), { header: where }));
    // Signed by the trusted key: accepted on the trusted keys alone, still no request.
    await expect(verifier.verify(await sign(rsa, claims(), { header: where }))).resolves.toBeDefined();
    expect(attacker.requested()).toEqual([]);
  });

  test("an embedded jwk header is not used as the key", async () => {
    await rejection(await sign(evil, claims(), { header: { jwk: evil.publicJwk } }));
  });
});

describe("header rules", () => {
  test("unknown crit is refused", async () => {
    const token = await sign(rsa, claims(), {
      header: { crit: ["x-tessera"], "x-tessera": 1 },
      crit: { "x-tessera": true },
    });
    expect((await rejection(token)).description).toMatch(/critical/);
  });

  test("typ must be JWT or at+jwt, with or without application/, in any case", async () => {
    for (const typ of ["at+jwt", "JWT", "jwt", "AT+JWT", "application/at+jwt", "Application/JWT"]) {
      await expect(
        verifier.verify(await sign(rsa, claims(), { header: { typ } })),
        typ,
      ).resolves.toBeDefined();
    }
    await expect(
      verifier.verify(await sign(rsa, claims(), { header: { typ: undefined } })),
    ).resolves.toBeDefined();
    for (const typ of ["logout+jwt", "secevent+jwt", "JOSE", "application/jwt+x", "", 1]) {
      expect((await rejection(await sign(rsa, claims(), { header: { typ } }))).description).toMatch(/type/);
    }
  });
});

describe("oversized tokens", () => {
  test("a validly signed token over 16 KiB is refused", async () => {
    const token = await sign(rsa, { ...claims(), padding: "x".repeat(16 * 1024) });
    expect((await rejection(token)).description).toMatch(/longer than 16384/);
  });

  test("a megabyte of junk is refused without being parsed", async () => {
    const huge = `${"a".repeat(1 << 20)}.${"b".repeat(1 << 20)}.c`;
    const started = performance.now();
    expect((await rejection(huge)).description).toMatch(/longer than/);
    expect(performance.now() - started).toBeLessThan(50);
  });

  test("a token just under the limit is still considered", async () => {
    const small = await sign(rsa, claims());
    const padding = "x".repeat(11 * 1024);
    const token = await sign(rsa, { ...claims(), padding });
    expect(token.length).toBeLessThanOrEqual(16 * 1024);
    expect(small.length).toBeLessThan(token.length);
    await expect(verifier.verify(token)).resolves.toBeDefined();
  });
});

describe("robustness", () => {
  const b64part = fc
    .oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constant('{"alg":"RS256","kid":"rsa-1"}'),
    )
    .map((s) => Buffer.from(s).toString("base64url"));

  test("verify rejects arbitrary input with a TokenError and nothing else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.tuple(b64part, b64part, b64part).map((p) => p.join(".")),
        ),
        async (t) => {
          const error = await verifier.verify(t).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TokenError);
        },
      ),
      { numRuns: 200 },
    );
  });
});
