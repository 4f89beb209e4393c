/**
 * RFC 6749 §4.1.3 with RFC 7636 and RFC 9700 §2.1.1/§4.5:
 * - a code is bound to its client and redirect URI (exact match) and is single use;
 * - a replayed code revokes every token it produced (§4.1.2: SHOULD revoke);
 * - PKCE: the verifier must match the stored S256 challenge; a verifier without a stored
 *   challenge is refused (downgrade protection); public clients always have a challenge
 *   (enforced at /authorize).
 */
import { createHash } from "node:crypto";
import { LIFETIMES } from "@tessera/profile";
import { hashSecret } from "../../domain/secrets/random-secret.js";
import { OAuthError } from "../oauth-error.js";
import { verifyCodeVerifier } from "../pkce.js";
import type { TokenResponse } from "../token-issuer.js";
import { activeAccount, type GrantDeps, type GrantRequest, required } from "./grant-context.js";

/**
 * The `jti` of the access token a code yields, derived from the code's hash so a replay can revoke
 * it without storing it (RFC 9700 §4.5 found it alive after a replay). UUID-shaped.
 */
function accessTokenId(codeHash: string): string {
  const hex = createHash("sha256").update(`code-access-token:${codeHash}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Revokes what a code produced: its refresh-token family and its first access token. */
async function revokeIssued(
  deps: GrantDeps,
  codeHash: string,
  familyId: string,
  usedAt: number,
  now: number,
) {
  await deps.refreshTokens.revokeFamily(familyId, now);
  await deps.accessTokenRevocations?.revoke(
    accessTokenId(codeHash),
    usedAt + LIFETIMES.accessToken.max * 1000,
  );
}

export async function authorizationCodeGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  const hash = hashSecret(required(params, "code"));
  const code = await deps.authorizationCodes.find(hash);
  const now = deps.clock.now();
  if (!code || code.clientId !== client.clientId)
    throw new OAuthError("invalid_grant", "unknown authorization code");
  if (code.usedAt !== null) {
    await revokeIssued(deps, hash, code.familyId, code.usedAt, now);
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
    await revokeIssued(deps, hash, code.familyId, now, now);
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
    jti: accessTokenId(hash),
  });
}
