/**
 * RFC 6749 §4.3 resource owner password credentials: off unless a client is explicitly allowed
 * (for trusted command-line tools); the same throttling, lockout and audit as the login page.
 * An account with TOTP enabled (or required by `login.requireTotp`) is refused with
 * invalid_grant "second factor required": the grant has no way to carry the code.
 */
import { requestedAudiences } from "../audience.js";
import { OAuthError } from "../oauth-error.js";
import { decideScopes, requestedScopes } from "../scope-decision.js";
import type { TokenResponse } from "../token-issuer.js";
import { allowedAudiences, type GrantDeps, type GrantRequest, required } from "./grant-context.js";

export async function passwordGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  const username = required(params, "username");
  const password = required(params, "password");
  const scope = decideScopes(requestedScopes(params.scope), client.scopes);
  const audiences = allowedAudiences(client, requestedAudiences(params.audience, request.resources));
  const outcome = await deps.passwordLogin(username, password.slice(0, 1024), request.context);
  if (!outcome.ok) {
    const description =
      outcome.reason === "locked"
        ? `too many failed attempts; try again in ${outcome.retryAfter} seconds`
        : outcome.reason === "account_inactive"
          ? "the account is not active"
          : "invalid username or password";
    throw new OAuthError("invalid_grant", description);
  }
  if (await deps.secondFactorRequired?.(outcome.account, request.context))
    throw new OAuthError("invalid_grant", "second factor required");
  return deps.issuer.issue({
    client,
    account: outcome.account,
    scope,
    audiences,
    authTime: deps.clock.now(),
  });
}
