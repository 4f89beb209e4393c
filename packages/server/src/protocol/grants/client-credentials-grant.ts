/**
 * RFC 6749 §4.4 client credentials:
 * - only confidential clients (a public client has no credentials to present);
 * - the token's subject is the client; no refresh token (§4.4.3), no ID token;
 * - user-only scopes (`openid`, `offline_access`, profile data) are never granted.
 */
import { requestedAudiences } from "../audience.js";
import { OAuthError } from "../oauth-error.js";
import { decideScopes, requestedScopes } from "../scope-decision.js";
import type { TokenResponse } from "../token-issuer.js";
import { allowedAudiences, type GrantDeps, type GrantRequest } from "./grant-context.js";

const USER_SCOPES = new Set(["openid", "offline_access", "profile", "email", "wlcg.groups"]);

export async function clientCredentialsGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  if (client.authMethod === "none") {
    throw new OAuthError("unauthorized_client", "public clients cannot use the client credentials grant");
  }
  const allowed = client.scopes.filter((s) => !USER_SCOPES.has(s) && !s.startsWith("wlcg.groups:"));
  const scope = decideScopes(requestedScopes(params.scope), allowed);
  const audiences = allowedAudiences(client, requestedAudiences(params.audience, request.resources));
  return deps.issuer.issue({ client, account: null, scope, audiences });
}
