// Runs every verifierRules case of the shared WLCG vectors against a real issuer over HTTP.
// Each case string maps to a token builder; a case without a builder FAILS, so a vector added
// to the file can never be skipped silently.
import { readFileSync } from "node:fs";
import { createVerifier, TokenError, type Verifier } from "@tessera/verify";
import { generateSecret, type JWTPayload, SignJWT } from "jose";
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
  unsecured,
} from "./fixtures.js";

type VerifierRule = { case: string; accept: boolean };
const vectors = JSON.parse(
  readFileSync(new URL("../../../../shared/vectors/wlcg-profile.json", import.meta.url), "utf8"),
) as { verifierRules: VerifierRule[] };

/** `open` accepts any audience; `fts` is a service whose audiences are ["fts"]. */
type VerifierName = "open" | "fts";
/** `because` pins why a token is refused, so a broken fixture cannot pass a reject case. */
type Built = { token: string; verifiers?: VerifierName[]; because?: RegExp };
type Ctx = { issuer: string; rsa: SigningKey; ec: SigningKey; claims: () => JWTPayload };
type Builder = (ctx: Ctx) => Promise<Built>;

const HOUR = 3600;

const builders: Record<string, Builder> = {
  "lifetime (exp - iat) of 6 h + 1 s": async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), iat: NOW - 100, nbf: NOW - 100, exp: NOW - 100 + 6 * HOUR + 1 }),
    because: /lifetime 21601 s exceeds/,
  }),
  "lifetime of exactly 6 h": async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), iat: NOW - 100, nbf: NOW - 100, exp: NOW - 100 + 6 * HOUR }),
  }),
  "expired 30 s ago": async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), iat: NOW - 1230, nbf: NOW - 1230, exp: NOW - 30 }),
  }),
  "expired 61 s ago": async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), iat: NOW - 1261, nbf: NOW - 1261, exp: NOW - 61 }),
    because: /expired/,
  }),
  "nbf 30 s in the future": async ({ ec, claims }) => ({
    token: await sign(ec, { ...claims(), iat: NOW, nbf: NOW + 30, exp: NOW + 1200 }),
  }),
  "nbf 120 s in the future": async ({ ec, claims }) => ({
    token: await sign(ec, { ...claims(), iat: NOW, nbf: NOW + 120, exp: NOW + 1200 }),
    because: /not yet valid/,
  }),
  'wlcg.ver "1.0"': async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), "wlcg.ver": "1.0" }),
  }),
  'wlcg.ver "2.0"': async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), "wlcg.ver": "2.0" }),
    because: /unknown profile version/,
  }),
  "alg HS256": async ({ rsa, claims }) => ({
    // Claims the trusted RSA key's kid, so only the algorithm rule stands in the way.
    token: await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: rsa.kid, typ: "at+jwt" })
      .sign(await generateSecret("HS256")),
    because: /algorithm "HS256"/,
  }),
  "alg none": async ({ rsa, claims }) => ({
    token: unsecured({ kid: rsa.kid, typ: "at+jwt" }, claims()),
    because: /algorithm "none"/,
  }),
  "no kid": async ({ rsa, claims }) => ({
    token: await sign(rsa, claims(), { header: { kid: undefined } }),
    because: /no key id/,
  }),
  'aud ["https://wlcg.cern.ch/jwt/v1/any"] at any verifier': async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), aud: ["https://wlcg.cern.ch/jwt/v1/any"] }),
    verifiers: ["open", "fts"],
  }),
  'aud "rucio" at a verifier whose audiences are ["fts"]': async ({ rsa, claims }) => ({
    token: await sign(rsa, { ...claims(), aud: "rucio" }),
    verifiers: ["fts"],
    because: /not meant for this audience/,
  }),
  "unknown extra claim": async ({ ec, claims }) => ({
    token: await sign(ec, { ...claims(), "x-unknown": { nested: [1, 2, 3] }, eduperson_assurance: ["x"] }),
  }),
};

let http: HttpFixture;
let ctx: Ctx;
let verifiers: Record<VerifierName, Verifier>;

beforeAll(async () => {
  http = await startHttp();
  const rsa = await makeKey("rsa-1", "RS256");
  const ec = await makeKey("ec-1", "ES256");
  const issuer = serveIssuer(http, "", rsa, ec);
  ctx = { issuer, rsa, ec, claims: () => baseClaims(issuer) };
  verifiers = {
    open: createVerifier({ issuers: [{ issuer }], clock }),
    fts: createVerifier({ issuers: [{ issuer, audiences: ["fts"] }], clock }),
  };
});

afterAll(async () => {
  await http.close();
});

describe("verifierRules vectors", () => {
  test("every builder belongs to a vector (no stale builders)", () => {
    const cases = new Set(vectors.verifierRules.map((v) => v.case));
    expect(Object.keys(builders).filter((name) => !cases.has(name))).toEqual([]);
  });

  test.each(vectors.verifierRules)("$case → accept: $accept", async (vector) => {
    const builder = builders[vector.case];
    if (builder === undefined) throw new Error(`no token builder for vector case "${vector.case}"`);
    const { token, verifiers: names = ["open"], because } = await builder(ctx);
    if (!vector.accept) expect(because, "reject builders say why").toBeInstanceOf(RegExp);
    for (const name of names) {
      const outcome = await verifiers[name].verify(token).then(
        () => "accepted",
        (error: unknown) => error,
      );
      if (vector.accept) {
        expect(outcome, `verifier ${name}`).toBe("accepted");
      } else {
        expect(outcome, `verifier ${name}`).toBeInstanceOf(TokenError);
        expect((outcome as TokenError).code).toBe("invalid_token");
        if (because !== undefined) expect((outcome as TokenError).description).toMatch(because);
      }
    }
  });
});
