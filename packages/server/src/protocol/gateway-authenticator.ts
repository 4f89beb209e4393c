/**
 * Who is behind a gateway request (`GET /auth`), from one of:
 * - a Tessera token `tsr_<key>.<secret>` (user, service or delegated);
 * - a JWT access token of Tessera itself (signature, `typ`, expiry, revocation, account state:
 *   own-access-token.ts) or of another trusted issuer (`@tessera/verify`, JWKS discovery);
 * - the browser session (resolved by the caller).
 *
 * Successful bearer verifications are cached briefly (5 s; 1 s for Tessera's JWTs, which
 * `/revoke` can end on any node), keyed by the SHA-256 of the token, and never past the token's
 * own expiry. Revoked Tessera tokens are evicted at once through `evict` (the revocation channel
 * calls it on every node).
 */
import { createHash } from "node:crypto";
import { scopeImplies } from "@tessera/profile";
import { missingScopes, type Verifier } from "@tessera/verify";
import { decodeJwt } from "jose";
import type { Account } from "../domain/accounts/account.js";
import type { Clock } from "../domain/clock.js";
import type { DelegationParent, TokenService } from "../domain/tokens/token-service.js";
import type { UserScopes } from "../domain/tokens/user-scopes.js";
import { looksLikeUserToken } from "../domain/tokens/user-token.js";
import { type OwnAccessTokenVerifier, tokenScopes } from "./own-access-token.js";

export interface GatewayIdentity {
  via: "session" | "token" | "jwt" | "anonymous";
  username: string;
  email: string | null;
  groups: string[];
  account: Account | null;
  /** The scopes held; null for a session, whose scopes are the account's own (policies and groups). */
  scopes: string[] | null;
  /** What a delegated child would hang from; null when this credential cannot delegate. */
  parent: DelegationParent | null;
  /** The Tessera token key, when the credential is one. */
  tokenKey: string | null;
  /** Whether the credential is Tessera's own (a `tsr_` token or Tessera's JWT), not for upstreams. */
  tesseraCredential: boolean;
}

interface CacheEntry {
  until: number;
  identity: GatewayIdentity;
}

const MAX_ENTRIES = 20_000;

export function createGatewayAuthenticator(deps: {
  issuer: string;
  clock: Clock;
  tokens: TokenService;
  ownAccessTokens: OwnAccessTokenVerifier;
  /** Verifier of JWTs from other trusted issuers; absent when none is configured. */
  external?: Verifier | undefined;
  groupNames(accountId: string): Promise<string[]>;
  userScopes: UserScopes;
  cacheMs?: number;
  ownJwtCacheMs?: number;
}) {
  const { clock } = deps;
  const cacheMs = deps.cacheMs ?? 5000;
  const ownJwtCacheMs = deps.ownJwtCacheMs ?? 1000;
  const cache = new Map<string, CacheEntry>();
  const scopeAnswers = new WeakMap<GatewayIdentity, Map<string, string[]>>();

  const cacheKey = (token: string) => createHash("sha256").update(token).digest("base64url");

  function remember(key: string, identity: GatewayIdentity, ttlMs: number, expiresAt: number | null) {
    if (cache.size >= MAX_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    const until = Math.min(clock.now() + ttlMs, expiresAt ?? Number.POSITIVE_INFINITY);
    cache.set(key, { until, identity });
  }

  async function accountIdentity(
    account: Account,
    via: GatewayIdentity["via"],
    scopes: string[] | null,
    parent: DelegationParent | null,
    tokenKey: string | null,
  ): Promise<GatewayIdentity> {
    return {
      via,
      username: account.username,
      email: account.email || null,
      groups: await deps.groupNames(account.id),
      account,
      scopes,
      parent,
      tokenKey,
      tesseraCredential: via !== "session",
    };
  }

  async function verifyBearer(token: string, key: string): Promise<GatewayIdentity | undefined> {
    if (looksLikeUserToken(token)) {
      const found = await deps.tokens.authenticate(token);
      if (!found) return undefined;
      const identity = await accountIdentity(
        found.account,
        "token",
        found.token.scopes,
        { type: "token", token: found.token },
        found.token.key,
      );
      remember(key, identity, cacheMs, found.token.expiresAt);
      return identity;
    }
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      return undefined;
    }
    if (issuer === deps.issuer) {
      const active = await deps.ownAccessTokens.active(token);
      if (!active) return undefined;
      const scopes = tokenScopes(active.claims);
      const identity: GatewayIdentity = active.account
        ? await accountIdentity(active.account, "jwt", scopes, null, null)
        : {
            via: "jwt",
            username: active.claims.sub,
            email: null,
            groups: active.claims["wlcg.groups"] ?? [],
            account: null,
            scopes,
            parent: null,
            tokenKey: null,
            tesseraCredential: true,
          };
      remember(key, identity, ownJwtCacheMs, active.claims.exp * 1000);
      return identity;
    }
    if (!deps.external) return undefined;
    try {
      const verified = await deps.external.verify(token);
      const { preferred_username: username, email } = verified.claims;
      const identity: GatewayIdentity = {
        via: "jwt",
        username: typeof username === "string" && username ? username : verified.subject,
        email: typeof email === "string" ? email : null,
        groups: verified.groups,
        account: null,
        scopes: verified.scopes,
        parent: null,
        tokenKey: null,
        tesseraCredential: false,
      };
      const exp = verified.claims.exp;
      remember(key, identity, cacheMs, typeof exp === "number" ? exp * 1000 : null);
      return identity;
    } catch {
      return undefined;
    }
  }

  return {
    /** The identity behind a bearer token, or undefined when it is not valid. */
    async bearer(token: string): Promise<GatewayIdentity | undefined> {
      const key = cacheKey(token);
      const hit = cache.get(key);
      if (hit) {
        if (hit.until > clock.now()) return hit.identity;
        cache.delete(key);
      }
      return verifyBearer(token, key);
    },

    /** The identity of a browser session. */
    session(session: { idHash: string; expiresAt: number }, account: Account): Promise<GatewayIdentity> {
      return accountIdentity(
        account,
        "session",
        null,
        {
          type: "session",
          sessionIdHash: session.idHash,
          accountId: account.id,
          expiresAt: session.expiresAt,
        },
        null,
      );
    },

    /** The required scopes the identity does not hold. */
    async missing(identity: GatewayIdentity, required: readonly string[]): Promise<string[]> {
      if (required.length === 0) return [];
      if (identity.scopes !== null) {
        // A cached identity meets the same requirements again and again (one nginx location).
        let answers = scopeAnswers.get(identity);
        if (!answers) {
          answers = new Map();
          scopeAnswers.set(identity, answers);
        }
        const key = required.join(" ");
        let missing = answers.get(key);
        if (!missing) {
          missing = missingScopes(identity.scopes, required);
          if (answers.size < 64) answers.set(key, missing);
        }
        return missing;
      }
      if (!identity.account) return [...required];
      return deps.userScopes.unpermitted(identity.account, required);
    },

    /** The scopes a child may get: those requested that the identity holds. */
    async delegable(identity: GatewayIdentity, requested: readonly string[]): Promise<string[]> {
      if (identity.scopes !== null) {
        const held = identity.scopes;
        return requested.filter((s) => held.some((h) => scopeImplies(h, s)));
      }
      const missing = new Set(await this.missing(identity, requested));
      return requested.filter((s) => !missing.has(s));
    },

    /** All the scopes a notebook child of this identity gets. */
    async allScopes(identity: GatewayIdentity): Promise<string[]> {
      if (identity.scopes !== null) return identity.scopes;
      return identity.account ? deps.userScopes.gatewayScopesOf(identity.account.id) : [];
    },

    /** Forgets cached verifications of these Tessera tokens (revoked or expired). */
    evict(tokenKeys: readonly string[]): void {
      const gone = new Set(tokenKeys);
      for (const [key, entry] of cache) {
        if (entry.identity.tokenKey !== null && gone.has(entry.identity.tokenKey)) cache.delete(key);
      }
    },

    /** Number of cached verifications (tests and metrics). */
    cacheSize: () => cache.size,
  };
}

export type GatewayAuthenticator = ReturnType<typeof createGatewayAuthenticator>;
