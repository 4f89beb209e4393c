/**
 * Claim names and fixed values of the WLCG Common JWT Profile 1.0 (DESIGN §3).
 * Kept in one place so the issuer, the verifier and the CLI never spell them differently.
 */

/** The profile version Tessera issues and the only one its verifiers accept. */
export const PROFILE_VERSION = "1.0";

/** Claim carrying the profile version; required in every access and ID token. */
export const WLCG_VER_CLAIM = "wlcg.ver";

/** Claim carrying the selected groups; present whenever `wlcg.groups` was requested. */
export const WLCG_GROUPS_CLAIM = "wlcg.groups";

/** The audience meaning "any WLCG service"; used when no audience was asked for. */
export const DEFAULT_AUDIENCE = "https://wlcg.cern.ch/jwt/v1/any";

/** Grammar of a profile version string, `[0-9]+\.[0-9]+`. */
export const PROFILE_VERSION_PATTERN = /^[0-9]+\.[0-9]+$/;

/** Claims the profile requires in access tokens (ID tokens need the same minus `scope`). */
export const REQUIRED_ACCESS_TOKEN_CLAIMS = [
  "sub",
  "exp",
  "iss",
  WLCG_VER_CLAIM,
  "aud",
  "iat",
  "jti",
  "scope",
] as const;

/** Claims the profile requires in ID tokens. */
export const REQUIRED_ID_TOKEN_CLAIMS = ["sub", "exp", "iss", WLCG_VER_CLAIM, "aud", "iat", "jti"] as const;

/**
 * Checks a `wlcg.ver` value: it must follow the grammar, and it must be a version we know,
 * because a later version may change the meaning of claims we would otherwise misread.
 * Returns null when acceptable, or the reason it is not.
 */
export function checkProfileVersion(version: unknown): string | null {
  if (typeof version !== "string") return "profile version must be a string";
  if (!PROFILE_VERSION_PATTERN.test(version)) {
    return `malformed profile version "${version}" (expected [0-9]+.[0-9]+)`;
  }
  if (version !== PROFILE_VERSION) return `unknown profile version "${version}"`;
  return null;
}
