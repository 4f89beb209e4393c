import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { checkCodeChallenge, verifyCodeVerifier } from "../../src/protocol/pkce.js";
import { expectOAuthError } from "./expect-oauth-error.js";

// RFC 7636 Appendix B.
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // cspell:disable-line
const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; // cspell:disable-line

function s256(verifier: string): string {
  return createHash("sha256").update(verifier).digest("base64url");
}

describe("checkCodeChallenge (RFC 7636 §4.2-4.4, RFC 9700 §2.1.1)", () => {
  test("an S256 challenge is accepted and returned for storage", () => {
    expect(
      checkCodeChallenge({ codeChallenge: CHALLENGE, codeChallengeMethod: "S256" }, { required: true }),
    ).toEqual({
      codeChallenge: CHALLENGE,
      method: "S256",
    });
  });

  test("no PKCE at all: fine when optional, invalid_request when required", () => {
    expect(checkCodeChallenge({}, { required: false })).toBeUndefined();
    expect(
      checkCodeChallenge({ codeChallenge: undefined, codeChallengeMethod: undefined }, { required: false }),
    ).toBe(undefined);
    expectOAuthError(
      () => checkCodeChallenge({}, { required: true }),
      "invalid_request",
      "PKCE code_challenge required",
    );
  });

  test("plain is refused", () => {
    expectOAuthError(
      () =>
        checkCodeChallenge({ codeChallenge: VERIFIER, codeChallengeMethod: "plain" }, { required: false }),
      "invalid_request",
      "only S256 is supported",
    );
  });

  test("a challenge without a method is refused, never defaulted to plain", () => {
    expectOAuthError(
      () => checkCodeChallenge({ codeChallenge: CHALLENGE }, { required: false }),
      "invalid_request",
      /code_challenge_method/,
    );
  });

  test.each(["s256", "S384", "SHA256", " S256", ""])("method %j is refused", (method) => {
    expectOAuthError(
      () =>
        checkCodeChallenge({ codeChallenge: CHALLENGE, codeChallengeMethod: method }, { required: false }),
      "invalid_request",
    );
  });

  test("a method without a challenge is refused, even when PKCE is optional", () => {
    expectOAuthError(
      () => checkCodeChallenge({ codeChallengeMethod: "S256" }, { required: false }),
      "invalid_request",
    );
  });

  test.each([
    ["too short", CHALLENGE.slice(0, 42)],
    ["too long", `${CHALLENGE}A`],
    ["padded base64", `${CHALLENGE.slice(0, 43)}=`],
    ["standard base64 alphabet", CHALLENGE.replace("-", "+")],
    ["a 128-char verifier sent as challenge", "a".repeat(128)],
    ["dots (verifier alphabet, not base64url)", `${CHALLENGE.slice(0, 42)}.`],
  ])("a malformed S256 challenge (%s) is refused", (_why, challenge) => {
    expectOAuthError(
      () =>
        checkCodeChallenge({ codeChallenge: challenge, codeChallengeMethod: "S256" }, { required: false }),
      "invalid_request",
      /43 base64url/,
    );
  });
});

describe("verifyCodeVerifier (RFC 7636 §4.5-4.6, RFC 9700 §4.8.2)", () => {
  const stored = { codeChallenge: CHALLENGE, method: "S256" } as const;

  test("the RFC 7636 Appendix B pair verifies", () => {
    expect(s256(VERIFIER)).toBe(CHALLENGE);
    expect(() => verifyCodeVerifier(stored, VERIFIER)).not.toThrow();
  });

  test("verifiers of 43 and 128 characters with every allowed character verify", () => {
    for (const verifier of ["A".repeat(43), `${"-._~azAZ09".repeat(12)}abcdefgh`]) {
      expect(() =>
        verifyCodeVerifier({ codeChallenge: s256(verifier), method: "S256" }, verifier),
      ).not.toThrow();
    }
  });

  test("a wrong verifier is invalid_grant", () => {
    const error = expectOAuthError(
      () => verifyCodeVerifier(stored, `${VERIFIER.slice(0, -1)}9`),
      "invalid_grant",
      /does not match/,
    );
    expect(error.status).toBe(400);
  });

  test("sending the challenge itself as the verifier fails (that is what plain would accept)", () => {
    expectOAuthError(() => verifyCodeVerifier(stored, CHALLENGE), "invalid_grant");
  });

  test("a challenge was used but no verifier is sent → invalid_grant", () => {
    expectOAuthError(() => verifyCodeVerifier(stored, undefined), "invalid_grant", /required/);
  });

  test("a verifier without a challenge is rejected (PKCE downgrade)", () => {
    expectOAuthError(() => verifyCodeVerifier(undefined, VERIFIER), "invalid_grant");
  });

  test("no challenge and no verifier is fine (confidential client without PKCE)", () => {
    expect(() => verifyCodeVerifier(undefined, undefined)).not.toThrow();
  });

  test.each([
    ["42 characters", "A".repeat(42)],
    ["129 characters", "A".repeat(129)],
    ["a space", `${"A".repeat(42)} `],
    ["a plus", `${"A".repeat(42)}+`],
    ["non-ASCII", `${"A".repeat(42)}é`],
  ])("a malformed verifier (%s) is invalid_request, even when its hash would match", (_why, verifier) => {
    expectOAuthError(
      () => verifyCodeVerifier({ codeChallenge: s256(verifier), method: "S256" }, verifier),
      "invalid_request",
      /43-128/,
    );
  });

  test("a stored challenge of another length cannot crash the comparison", () => {
    expectOAuthError(
      () => verifyCodeVerifier({ codeChallenge: "short", method: "S256" }, VERIFIER),
      "invalid_grant",
    );
  });
});
