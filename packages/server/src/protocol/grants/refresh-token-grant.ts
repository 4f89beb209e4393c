/**
 * RFC 6749 §6 refresh, with RFC 9700 §4.14 rotation:
 * - every use rotates the token; the old one is spent;
 * - presenting a spent or revoked token is taken as theft: the whole family is revoked, so
 *   neither the attacker nor the victim can continue, and the victim must log in again;
 * - a refresh may narrow the scope (never widen it: invalid_scope) and choose audiences; the new
 *   refresh token keeps the original grant so later refreshes can ask for it again;
 * - the token is bound to its client; the account must still be active.
 */
import { hashSecret, randomSecret } from "../../domain/secrets/random-secret.js";
import { requestedAudiences } from "../audience.js";
import { OAuthError } from "../oauth-error.js";
import { decideScopes, requestedScopes } from "../scope-decision.js";
import type { TokenResponse } from "../token-issuer.js";
import {
  activeAccount,
  allowedAudiences,
  type GrantDeps,
  type GrantRequest,
  required,
} from "./grant-context.js";

export async function refreshTokenGrant(deps: GrantDeps, request: GrantRequest): Promise<TokenResponse> {
  const { client, params } = request;
  const hash = hashSecret(required(params, "refresh_token"));
  const now = deps.clock.now();
  const asked = requestedScopes(params.scope);
  const askedAudiences = requestedAudiences(params.audience, request.resources);
  const audiences = askedAudiences.length > 0 ? allowedAudiences(client, askedAudiences) : undefined;

  // A narrowing refresh reads the grant first: asking for more than it holds must not cost the
  // token. A token that is not usable is left to the rotation below, which refuses it.
  if (asked !== undefined) {
    const found = await deps.refreshTokens.find(hash);
    if (
      found?.clientId === client.clientId &&
      found.usedAt === null &&
      found.revokedAt === null &&
      now < found.expiresAt &&
      decideScopes(asked, found.scope).length < new Set(asked).size
    ) {
      throw new OAuthError("invalid_scope", "a refresh can only narrow the scope of the original grant");
    }
  }
  // Spends the token and stores its successor in one step (one commit), if the token is usable.
  const secret = randomSecret();
  const expiresAt = now + deps.issuer.refreshLifetime(client) * 1000;
  const token =
    (await deps.refreshTokens.rotate(hash, client.clientId, now, {
      tokenHash: hashSecret(secret),
      expiresAt,
    })) ?? (await refuse(deps, hash, client.clientId, now));
  const account = await activeAccount(deps.accounts, token.accountId, now);
  return deps.issuer.issue({
    client,
    account,
    scope: decideScopes(asked, token.scope),
    audiences: audiences ?? token.audiences,
    authTime: token.authTime,
    rotatedRefreshToken: { secret, expiresAt },
  });
}

/** Why the rotation refused a token; a spent or revoked one costs the whole family (theft). */
async function refuse(deps: GrantDeps, hash: string, clientId: string, now: number): Promise<never> {
  const found = await deps.refreshTokens.find(hash);
  if (!found || found.clientId !== clientId) throw new OAuthError("invalid_grant", "unknown refresh token");
  if (found.usedAt !== null || found.revokedAt !== null) {
    // Also the case when another request spent it between a narrowing refresh's read and its rotation.
    await deps.refreshTokens.revokeFamily(found.familyId, now);
    throw new OAuthError(
      "invalid_grant",
      "refresh token already used or revoked; the grant has been revoked",
    );
  }
  if (now >= found.expiresAt) throw new OAuthError("invalid_grant", "refresh token expired");
  throw new OAuthError("invalid_grant", "refresh token not usable");
}
