import { createHash } from "node:crypto";
import { hashSecret, randomSecret, safeEqual } from "../secrets/random-secret.js";

/**
 * Tessera tokens (Gafaelfawr's model): `tsr_<key>.<secret>`, the key 128 random bits and the
 * secret 256, both base64url. The key finds the row; only SHA-256 of the secret is stored and
 * compared in constant time, so a database dump yields no usable token.
 *
 * Kinds: `user` (made by a person for themselves), `service` (made by an administrator for a
 * bot account), and the delegated children the gateway mints: `internal` (for one named
 * service, narrowed scopes) and `notebook` (all the parent's scopes).
 */
export const TOKEN_KINDS = ["user", "service", "internal", "notebook"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface UserToken {
  key: string;
  secretHash: string;
  accountId: string;
  kind: TokenKind;
  name: string | null;
  scopes: string[];
  /** The service an internal token was minted for. */
  service: string | null;
  /** The token a child was delegated from, or the browser session (its id hash). */
  parentKey: string | null;
  parentSession: string | null;
  /** Identifies the child to reuse for (parent, kind, service, scopes); null once replaced. */
  delegationKey: string | null;
  /** Account id of whoever created it, `bootstrap`, or null. */
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export const HISTORY_ACTIONS = ["create", "edit", "revoke", "expire"] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** The fields a history entry shows before and after a change. */
export interface TokenValues {
  name?: string | null;
  scopes?: string[];
  expiresAt?: number | null;
  service?: string | null;
  parentKey?: string | null;
}

export interface TokenHistoryEntry {
  id: number;
  tokenKey: string;
  accountId: string;
  kind: TokenKind;
  action: HistoryAction;
  /** Account id of who acted, `bootstrap`, or null for the system (expiry, cascades of a logout). */
  actor: string | null;
  oldValues: TokenValues | null;
  newValues: TokenValues | null;
  ip: string | null;
  at: number;
}

export interface HistoryFilter {
  accountId?: string;
  tokenKey?: string;
  action?: HistoryAction;
  kind?: TokenKind;
  since?: number;
  until?: number;
  /** Id cursor: entries older than this one. */
  before?: number;
  limit: number;
}

export interface UserTokenRepository {
  /**
   * Throws ConflictError("name") when the owner already has a token of that name, and
   * ConflictError("delegation") when a live child with the same delegation key exists.
   */
  create(token: UserToken): Promise<void>;
  find(key: string): Promise<UserToken | undefined>;
  findByDelegation(delegationKey: string): Promise<UserToken | undefined>;
  /** Ordered by token key; `after` is the key of the previous page's last token. */
  list(filter: { accountId?: string; kind?: TokenKind; limit: number; after?: string }): Promise<UserToken[]>;
  update(
    key: string,
    changes: { name?: string; scopes?: string[]; expiresAt?: number | null },
  ): Promise<void>;
  touch(key: string, at: number): Promise<void>;
  /** Stops a child from being reused (a successor takes its delegation key). */
  retireDelegation(key: string, delegationKey: string): Promise<void>;
  childrenOf(parentKeys: readonly string[]): Promise<UserToken[]>;
  childrenOfSession(sessionIdHash: string): Promise<UserToken[]>;
  /** Deletes the tokens; returns the keys that were still there (concurrent deletes count once). */
  deleteMany(keys: readonly string[]): Promise<string[]>;
  expiredBy(now: number, limit: number): Promise<UserToken[]>;
  appendHistory(entry: Omit<TokenHistoryEntry, "id">): Promise<void>;
  /** Newest first. */
  history(filter: HistoryFilter): Promise<TokenHistoryEntry[]>;
}

export const TOKEN_PREFIX = "tsr_";
const TOKEN_FORMAT = /^tsr_([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/** A fresh key (128 bits) and secret (256 bits). */
export function newTokenParts(): { key: string; secret: string } {
  return { key: randomSecret(16), secret: randomSecret(32) };
}

export function formatToken(key: string, secret: string): string {
  return `${TOKEN_PREFIX}${key}.${secret}`;
}

/** Key and secret of a well-formed token string; undefined for anything else. */
export function parseToken(token: string): { key: string; secret: string } | undefined {
  const match = TOKEN_FORMAT.exec(token);
  return match?.[1] && match[2] ? { key: match[1], secret: match[2] } : undefined;
}

export function looksLikeUserToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX);
}

/** Whether `secret` is the one whose hash is stored (constant time). */
export function secretMatches(token: Pick<UserToken, "secretHash">, secret: string): boolean {
  return safeEqual(hashSecret(secret), token.secretHash);
}

/** A stable identifier of one delegation: the same parent, kind, service and scopes. */
export function delegationKeyOf(parent: string, kind: TokenKind, service: string | null, scopes: string[]) {
  const canonical = JSON.stringify([parent, kind, service ?? "", [...scopes].sort()]);
  return createHash("sha256").update(canonical).digest("base64url");
}
