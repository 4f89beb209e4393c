/**
 * Mints the token response of every grant (RFC 6749 §5.1, OIDC Core §3.1.3.3):
 * - `token_type` Bearer, `expires_in`, and `scope` always stated (the granted set may differ
 *   from the requested one);
 * - an ID token only when `openid` was granted and a user is behind the grant;
 * - a refresh token only when the client may use the refresh grant and `offline_access` was
 *   granted; refresh tokens are opaque 256-bit secrets stored as SHA-256 hashes, grouped in
 *   families for reuse detection.
 */
import { randomUUID } from "node:crypto";
import { type GroupMembership, selectGroups } from "@tessera/profile";
import type { Account } from "../domain/accounts/account.js";
import type { Client } from "../domain/clients/client.js";
import type { Clock } from "../domain/clock.js";
import type { RefreshTokenRepository } from "../domain/grants/refresh-token.js";
import type { KeyRing } from "../domain/keys/key-ring.js";
import { hashSecret, randomSecret } from "../domain/secrets/random-secret.js";
import { OAuthError } from "./oauth-error.js";
import { type ActorClaim, accessTokenClaims, idTokenClaims } from "./token-claims.js";

export interface TokenIssuerOptions {
  issuer: string;
  organisationName: string;
  lifetimes: { accessToken: number; idToken: number; refreshToken: number };
  keys: KeyRing;
  refreshTokens: RefreshTokenRepository;
  clock: Clock;
  /** Group memberships of an account, with the groups' ids (the registry provides them). */
  memberships(accountId: string): Promise<(GroupMembership & { groupId: string })[]>;
  /**
   * Why this account may not be issued tokens right now (an unsigned or stale acceptable-use
   * policy), or undefined when it may.
   */
  tokensRefused?(account: Account): Promise<string | undefined>;
  /**
   * The scopes of a grant the account may obtain (the scope policies), given the ids of the
   * account's groups; all when absent.
   */
  permittedScopes?(
    account: Account,
    scopes: readonly string[],
    groupIds: readonly string[],
  ): Promise<string[]>;
}

export interface Grant {
  client: Client;
  /** Null for client credentials: the client itself is the subject. */
  account: Account | null;
  scope: string[];
  audiences: string[];
  authTime?: number;
  nonce?: string | null;
  /** Continue this refresh-token family (rotation), or start a new one. */
  familyId?: string;
  /** The client asked for a shorter access-token lifetime (`expires_in`, IAM #869), seconds. */
  maxLifetime?: number;
  /** The access token's `jti`, when the grant must be able to revoke it later (a replayed code). */
  jti?: string;
  /** Token exchange (RFC 8693 §4.1): the `act` claim; the user did not sign in here, so no ID token. */
  actor?: ActorClaim;
  /**
   * A refresh: the successor refresh token, already stored with the spend of its predecessor (it
   * keeps the original grant's scope and audiences, even when this access token is narrower).
   */
  rotatedRefreshToken?: { secret: string; expiresAt: number };
}

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
  refresh_token?: string;
  /** Seconds the refresh token is valid (Keycloak's field): clients cannot read opaque tokens. */
  refresh_expires_in?: number;
  id_token?: string;
  issued_token_type?: string;
}

export function createTokenIssuer(options: TokenIssuerOptions) {
  const { keys, clock } = options;
  const refreshLifetimeOf = (client: Client) => client.refreshTokenLifetime ?? options.lifetimes.refreshToken;

  return {
    /** Seconds a refresh token issued to this client stays valid. */
    refreshLifetime: refreshLifetimeOf,

    async issue(grant: Grant): Promise<TokenResponse> {
      const now = clock.now();
      const { client, account } = grant;
      const refused = account && options.tokensRefused ? await options.tokensRefused(account) : undefined;
      if (refused) throw new OAuthError("invalid_grant", refused);
      const memberships = account ? await options.memberships(account.id) : [];
      // Policies are applied at every issue, so a rule added later also narrows refreshes.
      const scope =
        account && options.permittedScopes
          ? await options.permittedScopes(
              account,
              grant.scope,
              memberships.map((m) => m.groupId),
            )
          : grant.scope;
      const accessLifetime = Math.min(
        client.accessTokenLifetime ?? options.lifetimes.accessToken,
        grant.maxLifetime ?? Number.POSITIVE_INFINITY,
      );
      const groups = selectGroups(scope, memberships);
      const accessToken = await keys.sign(
        accessTokenClaims({
          issuer: options.issuer,
          subject: account?.id ?? client.clientId,
          clientId: client.clientId,
          scope: scope,
          audiences: grant.audiences,
          groups,
          issuedAt: now,
          lifetime: accessLifetime,
          jti: grant.jti ?? randomUUID(),
          actor: grant.actor,
        }),
        "at+jwt",
      );
      const response: TokenResponse = {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: accessLifetime,
        scope: scope.join(" "),
      };
      if (!account) return response;

      if (scope.includes("openid") && !grant.actor) {
        response.id_token = await keys.sign(
          idTokenClaims({
            issuer: options.issuer,
            clientId: client.clientId,
            account,
            scope: scope,
            groups,
            allGroups: memberships.map((m) => m.group),
            organisationName: options.organisationName,
            issuedAt: now,
            lifetime: options.lifetimes.idToken,
            authTime: grant.authTime ?? now,
            nonce: grant.nonce ?? null,
            jti: randomUUID(),
            accessToken,
          }),
          "JWT",
        );
      }
      if (grant.rotatedRefreshToken) {
        response.refresh_token = grant.rotatedRefreshToken.secret;
        response.refresh_expires_in = Math.round((grant.rotatedRefreshToken.expiresAt - now) / 1000);
        return response;
      }
      if (client.grantTypes.includes("refresh_token") && scope.includes("offline_access")) {
        const secret = randomSecret();
        const refreshLifetime = refreshLifetimeOf(client);
        await options.refreshTokens.create({
          tokenHash: hashSecret(secret),
          familyId: grant.familyId ?? randomUUID(),
          clientId: client.clientId,
          accountId: account.id,
          scope,
          audiences: grant.audiences,
          authTime: grant.authTime ?? now,
          createdAt: now,
          expiresAt: now + refreshLifetime * 1000,
          usedAt: null,
          revokedAt: null,
        });
        response.refresh_token = secret;
        response.refresh_expires_in = refreshLifetime;
      }
      return response;
    },
  };
}

export type TokenIssuer = ReturnType<typeof createTokenIssuer>;
