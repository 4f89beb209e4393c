/**
 * The UserInfo endpoint (OIDC Core §5.3, §5.4; RFC 6750 §3.1):
 * - the bearer is one of Tessera's own access tokens, active (own-access-token.ts): otherwise
 *   `invalid_token` (401);
 * - the token must carry `openid` (else `insufficient_scope`, 403) and a user must be behind it
 *   (a client's own token has no userinfo: `invalid_token`);
 * - `sub` is always returned and equals the token's; the other claims follow the token's scope,
 *   with the names the ID token uses (INDIGO IAM's): `profile` gives `name`,
 *   `preferred_username`, `organisation_name`, `groups`; `email` gives `email`,
 *   `email_verified`; `wlcg.groups` is passed on when the token has it.
 */
import type { GroupMembership } from "@tessera/profile";
import { OAuthError } from "./oauth-error.js";
import { type OwnAccessTokenVerifier, tokenScopes } from "./own-access-token.js";

/** The scope a token needs at this endpoint (named in the `insufficient_scope` challenge). */
export const USERINFO_SCOPE = "openid";

export interface UserinfoDeps {
  accessTokens: OwnAccessTokenVerifier;
  organisationName: string;
  memberships(accountId: string): Promise<GroupMembership[]>;
}

export function createUserinfoEndpoint(deps: UserinfoDeps) {
  return async function userinfo(token: string): Promise<Record<string, unknown>> {
    const found = await deps.accessTokens.active(token);
    if (!found) throw new OAuthError("invalid_token", "the access token is invalid, expired or revoked");
    const { claims, account } = found;
    const scope = tokenScopes(claims);
    if (!scope.includes(USERINFO_SCOPE)) {
      throw new OAuthError("insufficient_scope", "the access token was not granted the openid scope");
    }
    if (!account) throw new OAuthError("invalid_token", "no user is behind this access token");

    const result: Record<string, unknown> = { sub: account.id };
    if (scope.includes("profile")) {
      const memberships = await deps.memberships(account.id);
      result.name = account.name;
      result.preferred_username = account.username;
      result.organisation_name = deps.organisationName;
      result.groups = memberships.map((m) => m.group.replace(/^\//, ""));
    }
    if (scope.includes("email")) {
      result.email = account.email;
      result.email_verified = true;
    }
    if (claims["wlcg.groups"] !== undefined) result["wlcg.groups"] = claims["wlcg.groups"];
    return result;
  };
}

export type UserinfoEndpoint = ReturnType<typeof createUserinfoEndpoint>;
