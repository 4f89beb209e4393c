/**
 * Claim sets of the WLCG Common JWT Profile 1.0 (DESIGN §3):
 * - access and ID tokens carry `wlcg.ver` "1.0", `sub`, `iss`, `aud`, `exp`, `iat`, `jti`;
 *   access tokens also `nbf`, `scope` and `client_id`;
 * - `aud` defaults to https://wlcg.cern.ch/jwt/v1/any; one audience is a string, several an array;
 * - `wlcg.groups` is present whenever requested (possibly empty), in selection order;
 * - ID tokens carry the INDIGO IAM names PanDA reads: `name`, `preferred_username`, `email`,
 *   `groups`, `wlcg.groups`, `organisation_name`; and `at_hash` binding the access token.
 */
import { createHash } from "node:crypto";
import { DEFAULT_AUDIENCE, PROFILE_VERSION } from "@tessera/profile";

export interface AccessTokenInput {
  issuer: string;
  subject: string;
  clientId: string;
  scope: readonly string[];
  audiences: readonly string[];
  groups: readonly string[] | null;
  issuedAt: number;
  lifetime: number;
  jti: string;
  /** RFC 8693 §4.1 `act`: the party acting for the subject (token exchange). */
  actor?: ActorClaim | undefined;
}

/** RFC 8693 §4.1: the current actor, with the prior actors of a delegation chain nested inside. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

export function audienceClaim(audiences: readonly string[]): string | string[] {
  if (audiences.length === 0) return DEFAULT_AUDIENCE;
  return audiences.length === 1 ? (audiences[0] as string) : [...audiences];
}

export function accessTokenClaims(input: AccessTokenInput): Record<string, unknown> {
  const iat = Math.floor(input.issuedAt / 1000);
  return {
    "wlcg.ver": PROFILE_VERSION,
    sub: input.subject,
    aud: audienceClaim(input.audiences),
    nbf: iat,
    scope: input.scope.join(" "),
    iss: input.issuer,
    exp: iat + input.lifetime,
    iat,
    jti: input.jti,
    client_id: input.clientId,
    ...(input.groups === null ? {} : { "wlcg.groups": [...input.groups] }),
    ...(input.actor ? { act: input.actor } : {}),
  };
}

export interface IdTokenInput {
  issuer: string;
  clientId: string;
  account: { id: string; username: string; name: string; email: string };
  scope: readonly string[];
  groups: readonly string[] | null;
  allGroups: readonly string[];
  organisationName: string;
  issuedAt: number;
  lifetime: number;
  authTime: number;
  nonce: string | null;
  jti: string;
  /** The access token issued alongside, for `at_hash` (OIDC Core §3.1.3.6). */
  accessToken?: string;
}

/** Left half of the SHA-256 of the access token (RS256 and ES256 both hash with SHA-256), base64url. */
export function accessTokenHash(accessToken: string): string {
  return createHash("sha256").update(accessToken).digest().subarray(0, 16).toString("base64url");
}

export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const iat = Math.floor(input.issuedAt / 1000);
  const has = (s: string) => input.scope.includes(s);
  return {
    "wlcg.ver": PROFILE_VERSION,
    iss: input.issuer,
    sub: input.account.id,
    aud: input.clientId,
    azp: input.clientId,
    exp: iat + input.lifetime,
    iat,
    auth_time: Math.floor(input.authTime / 1000),
    jti: input.jti,
    ...(input.nonce ? { nonce: input.nonce } : {}),
    ...(input.accessToken ? { at_hash: accessTokenHash(input.accessToken) } : {}),
    ...(has("profile")
      ? {
          name: input.account.name,
          preferred_username: input.account.username,
          organisation_name: input.organisationName,
          groups: input.allGroups.map((g) => g.replace(/^\//, "")),
        }
      : {}),
    ...(has("email") ? { email: input.account.email, email_verified: true } : {}),
    ...(input.groups === null ? {} : { "wlcg.groups": [...input.groups] }),
  };
}
