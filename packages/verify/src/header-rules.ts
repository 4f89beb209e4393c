/**
 * Rules on the JOSE header, checked before any key is looked up (RFC 8725 §3.1, WLCG profile):
 * - `alg` must be on the allow-list, which can only ever hold RS256 and ES256: never `none`,
 *   never HMAC (an HMAC "verified" with a public key is the classic key-confusion attack);
 * - `kid` is required, because WLCG issuers always send it and keys are selected by it;
 * - `typ`, when present, must say JWT or access-token JWT (RFC 9068), so an ID token or a
 *   logout token of another type is not taken for an access token;
 * - `crit` is refused: we understand no extension, and RFC 7515 §4.1.11 says to reject.
 */
import type { ProtectedHeaderParameters } from "jose";
import { invalidToken } from "./token-error.js";

/** The only signature algorithms a Tessera verifier will ever accept. */
export const SUPPORTED_ALGORITHMS = ["RS256", "ES256"] as const;
export type VerifierAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

const ACCEPTED_TYP = new Set(["jwt", "at+jwt"]);

export function isSupportedAlgorithm(alg: unknown): alg is VerifierAlgorithm {
  return (SUPPORTED_ALGORITHMS as readonly unknown[]).includes(alg);
}

/** Throws `invalid_token` unless the header passes the rules above. */
export function checkHeader(
  header: ProtectedHeaderParameters,
  algorithms: readonly VerifierAlgorithm[],
): void {
  if (typeof header.alg !== "string" || !(algorithms as readonly string[]).includes(header.alg)) {
    throw invalidToken(`algorithm ${JSON.stringify(header.alg)} is not allowed`);
  }
  if (typeof header.kid !== "string" || header.kid.length === 0) {
    throw invalidToken("the token header has no key id (kid)");
  }
  if (header.typ !== undefined && !isAcceptedTyp(header.typ)) {
    throw invalidToken(`token type ${JSON.stringify(header.typ)} is not accepted`);
  }
  if (header.crit !== undefined)
    throw invalidToken("the token has critical header parameters we do not support");
}

/** `JWT` or `at+jwt`, case-insensitive, with or without `application/` (RFC 7515 §4.1.9). */
export function isAcceptedTyp(typ: unknown): boolean {
  if (typeof typ !== "string") return false;
  const lower = typ.toLowerCase();
  return ACCEPTED_TYP.has(lower.startsWith("application/") ? lower.slice("application/".length) : lower);
}
