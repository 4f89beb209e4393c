/**
 * Rules on the verified claims that jose does not apply for us (WLCG profile, RFC 7519):
 * - `aud` (string or array) must name an accepted audience; the WLCG "any" audience is
 *   always accepted, and a verifier with no audiences configured accepts any audience, but a
 *   token must carry one (the profile requires `aud`);
 * - `iat` must not be in the future beyond the skew, and `exp - iat` must not exceed the
 *   maximum lifetime (6 h; exactly 6 h is accepted): otherwise an issuer could mint a
 *   long-lived token by back-dating `exp - iat`;
 * - `wlcg.ver`, when present, must be a version we know: a later version may change meaning;
 * - `sub` must be a valid WLCG subject; `scope` a string; `wlcg.groups` an array of strings.
 * Unknown claims are ignored, as the profile requires.
 */
import {
  checkProfileVersion,
  checkSubject,
  DEFAULT_AUDIENCE,
  splitScopeString,
  WLCG_GROUPS_CLAIM,
  WLCG_VER_CLAIM,
} from "@tessera/profile";
import type { JWTPayload } from "jose";
import { invalidToken } from "./token-error.js";

export type ClaimRuleOptions = {
  /** Accepted audiences besides the WLCG "any" audience; undefined or empty means any. */
  audiences: readonly string[] | undefined;
  nowSeconds: number;
  clockToleranceSeconds: number;
  maxLifetimeSeconds: number;
};

export type CheckedClaims = { subject: string; scopes: string[]; groups: string[] };

export function checkClaims(claims: JWTPayload, options: ClaimRuleOptions): CheckedClaims {
  checkAudience(claims.aud, options.audiences);

  const { iat, exp } = claims;
  if (typeof iat !== "number" || typeof exp !== "number") throw invalidToken("the token lacks iat or exp");
  if (iat > options.nowSeconds + options.clockToleranceSeconds)
    throw invalidToken("the token was issued in the future");
  if (exp - iat > options.maxLifetimeSeconds) {
    throw invalidToken(
      `the token lifetime ${exp - iat} s exceeds the maximum of ${options.maxLifetimeSeconds} s`,
    );
  }

  const version = claims[WLCG_VER_CLAIM];
  if (version !== undefined) {
    const problem = checkProfileVersion(version);
    if (problem !== null) throw invalidToken(`${WLCG_VER_CLAIM}: ${problem}`);
  }

  const subjectProblem = checkSubject(claims.sub);
  if (subjectProblem !== null) throw invalidToken(subjectProblem);

  const { scope } = claims;
  if (scope !== undefined && typeof scope !== "string")
    throw invalidToken("the scope claim must be a string");

  const groups = claims[WLCG_GROUPS_CLAIM];
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === "string"))) {
    throw invalidToken(`the ${WLCG_GROUPS_CLAIM} claim must be an array of strings`);
  }

  return {
    subject: claims.sub as string,
    scopes: scope === undefined ? [] : splitScopeString(scope),
    groups: groups === undefined ? [] : [...(groups as string[])],
  };
}

function checkAudience(aud: unknown, audiences: readonly string[] | undefined): void {
  const values = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (values === undefined || values.length === 0 || !values.every((a) => typeof a === "string")) {
    throw invalidToken("the token has no valid audience (aud)");
  }
  if (audiences === undefined || audiences.length === 0) return;
  const accepted = new Set([DEFAULT_AUDIENCE, ...audiences]);
  if (!values.some((a) => accepted.has(a))) throw invalidToken("the token is not meant for this audience");
}
