/**
 * Token introspection (RFC 7662):
 * - §2.1: the caller must be authorised, so the client authenticates and public clients (method
 *   `none`) are refused with `invalid_client`; parameters are `token` (required) and
 *   `token_type_hint`, form-encoded, not repeated;
 * - §2.2: an unknown, malformed, expired, revoked or foreign token is `{"active": false}` and
 *   nothing more, never an error;
 * - access tokens (Tessera's JWTs, see own-access-token.ts) may be introspected by any confidential
 *   client; a refresh token only by the client it was issued to (to any other it is inactive);
 * - an active token states `scope`, `client_id`, `username`, `token_type`, `exp`, `iat`, `sub`,
 *   and for access tokens also `nbf`, `aud`, `iss`, `jti` and `wlcg.groups` when present.
 */
import { type AccountRepository, isAccountUsable } from "../domain/accounts/account.js";
import type { Clock } from "../domain/clock.js";
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

export interface IntrospectionDeps {
  clientAuthentication: ClientAuthenticationDeps;
  accessTokens: OwnAccessTokenVerifier;
  refreshTokens: Pick<RefreshTokenRepository, "find">;
  accounts: Pick<AccountRepository, "findById">;
  clock: Clock;
}

export type IntrospectionResponse = { active: false } | ({ active: true } & Record<string, unknown>);

const PARAMETERS = ["token", "token_type_hint", ...CLIENT_AUTH_PARAMETERS];

const INACTIVE: IntrospectionResponse = { active: false };

export function createIntrospectionEndpoint(deps: IntrospectionDeps) {
  async function accessToken(token: string): Promise<IntrospectionResponse> {
    const found = await deps.accessTokens.active(token);
    if (!found) return INACTIVE;
    const { claims, account } = found;
    return {
      active: true,
      scope: claims.scope,
      client_id: claims.client_id,
      ...(account ? { username: account.username } : {}),
      token_type: "Bearer",
      exp: claims.exp,
      iat: claims.iat,
      ...(claims.nbf === undefined ? {} : { nbf: claims.nbf }),
      sub: claims.sub,
      ...(claims.aud === undefined ? {} : { aud: claims.aud }),
      iss: claims.iss,
      jti: claims.jti,
      ...(claims["wlcg.groups"] === undefined ? {} : { "wlcg.groups": claims["wlcg.groups"] }),
    };
  }

  async function refreshToken(token: string, clientId: string): Promise<IntrospectionResponse> {
    const found = await deps.refreshTokens.find(hashSecret(token));
    if (!found || found.clientId !== clientId) return INACTIVE;
    if (found.usedAt !== null || found.revokedAt !== null || deps.clock.now() >= found.expiresAt) {
      return INACTIVE;
    }
    const account = await deps.accounts.findById(found.accountId);
    if (!account || !isAccountUsable(account, deps.clock.now())) return INACTIVE;
    return {
      active: true,
      scope: found.scope.join(" "),
      client_id: found.clientId,
      username: account.username,
      token_type: "refresh_token",
      exp: Math.floor(found.expiresAt / 1000),
      iat: Math.floor(found.createdAt / 1000),
      sub: account.id,
    };
  }

  return async function introspect(
    authorization: string | undefined,
    body: unknown,
  ): Promise<IntrospectionResponse> {
    const params = singleParameters(body, PARAMETERS);
    const client = await authenticateClient(deps.clientAuthentication, authorization, params);
    if (client.authMethod === "none") {
      throw new OAuthError("invalid_client", "public clients may not introspect tokens");
    }
    const token = params.token;
    if (token === undefined) throw new OAuthError("invalid_request", "missing parameter token");
    return tokenKind(token) === "access_token" ? accessToken(token) : refreshToken(token, client.clientId);
  };
}

export type IntrospectionEndpoint = ReturnType<typeof createIntrospectionEndpoint>;
