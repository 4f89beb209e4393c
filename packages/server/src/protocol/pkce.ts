/**
 * Proof Key for Code Exchange.
 *
 * - RFC 7636 §4.2 / RFC 9700 §2.1.1: only `S256` is accepted; `plain` is refused, so an attacker
 *   who reads the authorization request learns nothing that redeems the code.
 * - RFC 7636 §4.3 says a missing `code_challenge_method` means `plain`; since `plain` is refused,
 *   a challenge without a method is `invalid_request` (never silently treated as plain).
 * - RFC 7636 §4.2: an S256 challenge is BASE64URL(SHA256(verifier)): exactly 43 base64url
 *   characters. A method without a challenge is malformed.
 * - RFC 7636 §4.4.1 / RFC 9700 §2.1.1: public clients must use PKCE (`required`): an absent
 *   challenge is `invalid_request`.
 * - RFC 7636 §4.1: a verifier is 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~";
 *   a malformed verifier is a malformed request (RFC 6749 §5.2 `invalid_request`).
 * - RFC 7636 §4.6: the server recomputes BASE64URL(SHA256(verifier)) and compares it with the
 *   stored challenge (in constant time here); a mismatch is `invalid_grant`.
 * - RFC 9700 §2.1.1 / §4.8.2 (PKCE downgrade): a token request with a `code_verifier` for a code
 *   issued without a challenge is rejected, and a code issued with a challenge cannot be redeemed
 *   without its verifier.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { OAuthError } from "./oauth-error.js";

export interface StoredCodeChallenge {
  codeChallenge: string;
  method: "S256";
}

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function checkCodeChallenge(
  params: { codeChallenge?: string | undefined; codeChallengeMethod?: string | undefined },
  options: { required: boolean },
): StoredCodeChallenge | undefined {
  const { codeChallenge, codeChallengeMethod } = params;
  if (codeChallenge === undefined) {
    if (codeChallengeMethod !== undefined) {
      throw new OAuthError("invalid_request", "code_challenge_method without code_challenge");
    }
    if (options.required) throw new OAuthError("invalid_request", "PKCE code_challenge required");
    return undefined;
  }
  if (codeChallengeMethod === undefined) {
    throw new OAuthError("invalid_request", "code_challenge_method required (only S256 is supported)");
  }
  if (codeChallengeMethod !== "S256") throw new OAuthError("invalid_request", "only S256 is supported");
  if (!S256_CHALLENGE.test(codeChallenge)) {
    throw new OAuthError("invalid_request", "code_challenge must be 43 base64url characters");
  }
  return { codeChallenge, method: "S256" };
}

export function verifyCodeVerifier(
  stored: StoredCodeChallenge | undefined,
  codeVerifier: string | undefined,
): void {
  if (stored === undefined) {
    if (codeVerifier !== undefined) {
      throw new OAuthError("invalid_grant", "code_verifier sent but no code_challenge was used");
    }
    return;
  }
  if (codeVerifier === undefined) throw new OAuthError("invalid_grant", "code_verifier required");
  if (!VERIFIER.test(codeVerifier)) {
    throw new OAuthError("invalid_request", "code_verifier must be 43-128 characters of [A-Za-z0-9-._~]");
  }
  const computed = Buffer.from(
    createHash("sha256").update(codeVerifier, "ascii").digest("base64url"),
    "ascii",
  );
  const expected = Buffer.from(stored.codeChallenge, "ascii");
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) {
    throw new OAuthError("invalid_grant", "code_verifier does not match code_challenge");
  }
}
