/**
 * Verifying Tessera's own JWT access tokens where it accepts them back: introspection
 * (RFC 7662 §2.2), revocation (RFC 7009 §2.1) and userinfo (OIDC Core §5.3; RFC 9068 §4):
 * - the signature is by one of the server's published keys, RS256 or ES256 only, and the header
 *   names the key (`kid`, WLCG profile); `typ` must be at+jwt, so an ID token is never taken
 *   for an access token;
 * - `iss` is this server; `exp` and `nbf` hold at the server's own clock, without skew (the
 *   server judges its own tokens);
 * - `sub`, `jti`, `client_id`, `scope`, `exp` and `iat` are present with the types Tessera writes;
 * - a signed token is *active* only while its `jti` is not revoked and, when its subject is an
 *   account rather than the client itself (client credentials: `sub` = `client_id`), that
 *   account is still active.
 *
 * Any fault in the token yields `undefined`, never an error: callers answer "inactive" or
 * `invalid_token` without saying which rule failed. Storage errors still propagate.
 */
import { MAX_TOKEN_LENGTH } from "@tessera/verify";
import { createLocalJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type Account, type AccountRepository, isAccountUsable } from "../domain/accounts/account.js";
import type { Clock } from "../domain/clock.js";
import type { AccessTokenRevocations } from "../domain/grants/access-token-revocations.js";
import type { KeyRing } from "../domain/keys/key-ring.js";

export interface OwnAccessTokenDeps {
  keys: Pick<KeyRing, "jwks">;
  issuer: string;
  clock: Clock;
  revocations: Pick<AccessTokenRevocations, "isRevoked">;
  accounts: Pick<AccountRepository, "findById">;
  /** True when the client the token was issued to is suspended (its tokens are then inactive). */
  clientSuspended?(clientId: string): Promise<boolean>;
  /** Seconds the published key set is reused before it is read again (default 5). */
  keyCacheSeconds?: number;
}

/** The claims Tessera writes into every access token (token-claims.ts). */
export interface OwnAccessTokenClaims extends JWTPayload {
  sub: string;
  jti: string;
  client_id: string;
  scope: string;
  exp: number;
  iat: number;
  iss: string;
  "wlcg.groups"?: string[];
}

export interface ActiveAccessToken {
  claims: OwnAccessTokenClaims;
  /** The user behind the token; null when the client is its own subject. */
  account: Account | null;
}

const ALGORITHMS = ["RS256", "ES256"];
// A key set older than this may be reread when a token names a key it does not hold.
const MISS_RELOAD_MS = 1000;

function hasOwnClaims(payload: JWTPayload): payload is OwnAccessTokenClaims {
  const groups = payload["wlcg.groups"];
  return (
    typeof payload.sub === "string" &&
    typeof payload.jti === "string" &&
    typeof payload.client_id === "string" &&
    typeof payload.scope === "string" &&
    typeof payload.exp === "number" &&
    typeof payload.iat === "number" &&
    (groups === undefined || (Array.isArray(groups) && groups.every((g) => typeof g === "string")))
  );
}

/** Scope items of a token (space-separated; empty items ignored). */
export function tokenScopes(claims: Pick<OwnAccessTokenClaims, "scope">): string[] {
  return claims.scope.split(" ").filter(Boolean);
}

export function createOwnAccessTokenVerifier(deps: OwnAccessTokenDeps) {
  const { clock } = deps;
  const cacheMs = (deps.keyCacheSeconds ?? 5) * 1000;
  let cached: { at: number; keySet: JWTVerifyGetKey } | undefined;

  async function keySet(reload: boolean): Promise<{ at: number; keySet: JWTVerifyGetKey }> {
    const now = clock.now();
    const fresh = cached && now >= cached.at && now - cached.at < cacheMs;
    if (!cached || !fresh || reload)
      cached = { at: now, keySet: createLocalJWKSet(await deps.keys.jwks(reload)) };
    return cached;
  }

  // Resolves the key the header names; a key published since the set was read gets one reread.
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (typeof header.kid !== "string") throw new errors.JWSInvalid("the token header names no key");
    const current = await keySet(false);
    try {
      return await current.keySet(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || clock.now() - current.at < MISS_RELOAD_MS)
        throw error;
      return (await keySet(true)).keySet(header, token);
    }
  };

  /** The claims of a token this server signed and that is within its validity period. */
  async function signed(token: string): Promise<OwnAccessTokenClaims | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: deps.issuer,
        algorithms: ALGORITHMS,
        typ: "at+jwt",
        currentDate: new Date(clock.now()),
        requiredClaims: ["exp", "iat", "jti", "sub"],
      });
      return hasOwnClaims(payload) ? payload : undefined;
    } catch (error) {
      if (error instanceof errors.JOSEError) return undefined;
      throw error;
    }
  }

  /** A signed token that is neither revoked nor held by a suspended or deleted account. */
  async function active(token: string): Promise<ActiveAccessToken | undefined> {
    const claims = await signed(token);
    if (!claims || (await deps.revocations.isRevoked(claims.jti))) return undefined;
    if (deps.clientSuspended && (await deps.clientSuspended(claims.client_id))) return undefined;
    if (claims.sub === claims.client_id) return { claims, account: null };
    const found = await deps.accounts.findById(claims.sub);
    if (!found || !isAccountUsable(found, clock.now())) return undefined;
    const { passwordHash: _secret, ...account } = found;
    return { claims, account };
  }

  return { signed, active };
}

export type OwnAccessTokenVerifier = ReturnType<typeof createOwnAccessTokenVerifier>;
