/**
 * RFC 6749 §4.1.3 with RFC 7636 and RFC 9700 §2.1.1/§4.5:
 * - a code is bound to its client and redirect URI (exact match) and is single use;
 * - a replayed code revokes every token it produced (§4.1.2: SHOULD revoke);
 * - PKCE: the verifier must match the stored S256 challenge; a verifier without a stored
 *   challenge is refused (downgrade protection); public clients always have a challenge
 *   (enforced at /authorize).
 */
import { hashSecret } from "../../domain/secrets/random-secret.js";
import { OAuthError } from "../oauth-error.js";
import { verifyCodeVerifier } from "../pkce.js";
import type { TokenResponse } from "../token-issuer.js";
import { activeAccount, type GrantDeps, type GrantRequest, required } from "./grant-context.js";

export async function authorizationCodeGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  const hash = hashSecret(required(params, "code"));
  const code = await deps.authorizationCodes.find(hash);
  const now = deps.clock.now();
  if (!code || code.clientId !== client.clientId)
    throw new OAuthError("invalid_grant", "unknown authorization code");
  if (code.usedAt !== null) {
    await deps.refreshTokens.revokeFamily(code.familyId, now);
    throw new OAuthError(
      "invalid_grant",
      "authorization code already used; tokens issued from it are revoked",
    );
  }
  if (now >= code.expiresAt) throw new OAuthError("invalid_grant", "authorization code expired");
  if (params.redirect_uri !== code.redirectUri) {
    throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
  }
  verifyCodeVerifier(
    code.codeChallenge === null ? undefined : { codeChallenge: code.codeChallenge, method: "S256" },
    params.code_verifier,
  );
  if (!(await deps.authorizationCodes.markUsed(hash, now))) {
    await deps.refreshTokens.revokeFamily(code.familyId, now);
    throw new OAuthError("invalid_grant", "authorization code already used");
  }
  const account = await activeAccount(deps.accounts, code.accountId, deps.clock.now());
  return deps.issuer.issue({
    client,
    account,
    scope: code.scope,
    audiences: code.audiences,
    authTime: code.authTime,
    nonce: code.nonce,
    familyId: code.familyId,
  });
}
