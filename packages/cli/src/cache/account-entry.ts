import type { SealedSecret } from "./sealed-secret.js";

/** A token with its lifetime, as cached. Times are seconds since the epoch. */
export interface CachedToken {
  token: string;
  issuedAt: number;
  /** Undefined when the server gave no `expires_in`. */
  expiresAt?: number;
  scope?: string;
}

/** A narrower token obtained with the refresh grant, cached under its scope+audience key. */
export interface ScopedToken extends CachedToken {
  audience?: string;
}

export type CachedRefreshToken = { token: string } | { sealed: SealedSecret };

/** The OAuth client the CLI uses at this issuer. */
export interface ClientRecord {
  clientId: string;
  /** True when the CLI registered it itself (RFC 7591). */
  dynamic: boolean;
  registrationAccessToken?: string;
  registrationClientUri?: string;
}

/** A device authorization started with `--no-wait`, finished by `tessera login --continue`. */
export interface PendingDevice {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresAt: number;
  interval: number;
}

/** One cache file: everything the CLI keeps for one account at one issuer. */
export interface AccountEntry {
  version: 1;
  account: string;
  issuer: string;
  client: ClientRecord;
  accessToken?: CachedToken;
  idToken?: string;
  refreshToken?: CachedRefreshToken;
  /** Epoch seconds, when the issuer said (`refresh_expires_in`): opaque tokens cannot tell. */
  refreshTokenExpiresAt?: number;
  scopedTokens: Record<string, ScopedToken>;
  pendingDevice?: PendingDevice;
}

/** Key under which a down-scoped token is cached: sorted, de-duplicated scopes and audiences. */
export function scopedTokenKey(scopes: readonly string[], audience: string | undefined): string {
  const norm = (s: string | readonly string[] | undefined) =>
    [...new Set(typeof s === "string" ? s.split(/\s+/) : (s ?? []))].filter(Boolean).sort().join(" ");
  return `scope=${norm(scopes)}|aud=${norm(audience)}`;
}

/** Additional authenticated data binding a sealed refresh token to its entry. */
export function sealingContext(entry: Pick<AccountEntry, "account" | "issuer">): string {
  return `tessera refresh token|${entry.account}|${entry.issuer}`;
}
