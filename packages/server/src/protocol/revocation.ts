/**
 * Token revocation (RFC 7009):
 * - §2.1: the client authenticates as at the token endpoint (public clients by `client_id`);
 *   parameters are `token` (required) and `token_type_hint` (a hint only, see token-kind.ts);
 * - §2.1: a client revokes only its own tokens; a refresh token takes its whole grant with it
 *   (every token of its rotation family, so no rotated successor survives);
 * - an access token (a JWT this server signed for this client, see own-access-token.ts) is
 *   revoked by `jti` until it would have expired anyway;
 * - §2.2: the answer is 200 whether or not the token was known, valid or this client's, so the
 *   endpoint tells a caller nothing about other clients' tokens.
 */
import type { Clock } from "../domain/clock.js";
import type { AccessTokenRevocations } from "../domain/grants/access-token-revocations.js";
import type { RefreshTokenRepository } from "../domain/grants/refresh-token.js";
import { hashSecret } from "../domain/secrets/random-secret.js";
import {
  authenticateClient,
  CLIENT_AUTH_PARAMETERS,
  type ClientAuthenticationDeps,
} from "./client-authentication.js";
import { OAuthError } from "./oauth-error.js";
import type { OwnAccessTokenVerifier } from "./own-access-token.js";
import { singleParameters } from "./single-parameters.js";
import { tokenKind } from "./token-kind.js";

export interface RevocationDeps {
  clientAuthentication: ClientAuthenticationDeps;
  accessTokens: OwnAccessTokenVerifier;
  refreshTokens: Pick<RefreshTokenRepository, "find" | "revokeFamily">;
  revocations: Pick<AccessTokenRevocations, "revoke">;
  clock: Clock;
}

const PARAMETERS = ["token", "token_type_hint", ...CLIENT_AUTH_PARAMETERS];

export function createRevocationEndpoint(deps: RevocationDeps) {
  return async function revoke(authorization: string | undefined, body: unknown): Promise<void> {
    const params = singleParameters(body, PARAMETERS);
    const client = await authenticateClient(deps.clientAuthentication, authorization, params);
    const token = params.token;
    if (token === undefined) throw new OAuthError("invalid_request", "missing parameter token");

    if (tokenKind(token) === "refresh_token") {
      const found = await deps.refreshTokens.find(hashSecret(token));
      if (found?.clientId === client.clientId)
        await deps.refreshTokens.revokeFamily(found.familyId, deps.clock.now());
      return;
    }
    // Signature and lifetime only: a token of a suspended account is still revoked, so it
    // stays dead if the account is reinstated.
    const claims = await deps.accessTokens.signed(token);
    if (claims?.client_id === client.clientId) await deps.revocations.revoke(claims.jti, claims.exp * 1000);
  };
}

export type RevocationEndpoint = ReturnType<typeof createRevocationEndpoint>;
