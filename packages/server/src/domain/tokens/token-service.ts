import { scopeImplies } from "@tessera/profile";
import { type Account, type AccountRepository, isAccountUsable } from "../accounts/account.js";
import type { Clock } from "../clock.js";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "../errors.js";
import { hashSecret } from "../secrets/random-secret.js";
import {
  delegationKeyOf,
  formatToken,
  type HistoryAction,
  type HistoryFilter,
  newTokenParts,
  parseToken,
  secretMatches,
  type TokenKind,
  type TokenValues,
  type UserToken,
  type UserTokenRepository,
} from "./user-token.js";

/** Who acts: an account id, `bootstrap`, or null (the system). */
export type TokenActor = string | null;

export interface TokenInput {
  name: string;
  scopes: string[];
  /** Epoch ms; null: no expiry. */
  expiresAt: number | null;
}

export interface TokenChanges {
  name?: string;
  scopes?: string[];
  expiresAt?: number | null;
}

/** What a child token is delegated from: a Tessera token, or a browser session. */
export type DelegationParent =
  | { type: "token"; token: UserToken }
  | { type: "session"; sessionIdHash: string; accountId: string; expiresAt: number };

export interface DelegationRequest {
  kind: "internal" | "notebook";
  /** The service an internal token is for (`delegate_to`). */
  service: string | null;
  scopes: string[];
  /** Seconds the child must still be valid for; undefined: reuse while half its lifetime remains. */
  minimumLifetime?: number;
}

/** The parent expires before the child could live `minimum_lifetime`. */
export class DelegationTooShortError extends Error {
  constructor() {
    super("the credential expires before the requested minimum lifetime");
    this.name = "DelegationTooShortError";
  }
}

const MIN_EXPIRY_AHEAD_MS = 5 * 60_000;
const LAST_USED_GRANULARITY_MS = 60_000;
const SWEEP_INTERVAL_MS = 60_000;
const MAX_SCOPES = 50;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
const NAME = /^\P{Cc}{1,64}$/u;

export interface TokenServiceDeps {
  tokens: UserTokenRepository;
  accounts: Pick<AccountRepository, "findById">;
  clock: Clock;
  /** The requested scopes this account may NOT hold (its own: policies and gateway scopes). */
  unpermitted(account: Account, scopes: readonly string[]): Promise<string[]>;
  /** The secret of a delegated child, recomputable from its key so a child can be handed out again. */
  childSecret(key: string): string;
  /** Tokens that stopped being valid (revoked or expired): caches must forget them. */
  onRevoked(keys: readonly string[]): void;
  /** Longest lifetime of a delegated child (ms); it never outlives its parent either. */
  childLifetimeMs?: number;
}

/**
 * User, service and delegated tokens: creation with scope and expiry rules, edits that only
 * narrow, revocation that takes every descendant along, the reuse of delegated children, and a
 * history entry for every change.
 */
export function createTokenService(deps: TokenServiceDeps) {
  const { tokens, clock } = deps;
  const childLifetimeMs = deps.childLifetimeMs ?? 24 * 3600_000;
  const inFlight = new Map<string, Promise<{ token: string; record: UserToken }>>();
  let lastSweep = 0;

  const values = (t: UserToken): TokenValues => ({
    name: t.name,
    scopes: t.scopes,
    expiresAt: t.expiresAt,
    ...(t.service ? { service: t.service } : {}),
    ...(t.parentKey ? { parentKey: t.parentKey } : {}),
  });

  async function record(
    token: UserToken,
    action: HistoryAction,
    actor: TokenActor,
    ip: string | null,
    oldValues: TokenValues | null,
    newValues: TokenValues | null,
  ) {
    await tokens.appendHistory({
      tokenKey: token.key,
      accountId: token.accountId,
      kind: token.kind,
      action,
      actor,
      oldValues,
      newValues,
      ip,
      at: clock.now(),
    });
  }

  function checkScopes(scopes: readonly string[]): string[] {
    const unique = [...new Set(scopes)];
    if (unique.length === 0) throw new InvalidInputError("invalid_scope", "give at least one scope");
    if (unique.length > MAX_SCOPES)
      throw new InvalidInputError("invalid_scope", `at most ${MAX_SCOPES} scopes`);
    for (const scope of unique) {
      if (!SCOPE.test(scope))
        throw new InvalidInputError("invalid_scope", `${JSON.stringify(scope)} is not a scope`);
    }
    return unique;
  }

  function checkName(name: string): string {
    const trimmed = name.trim();
    if (!NAME.test(trimmed))
      throw new InvalidInputError("invalid_name", "a name is 1 to 64 printable characters");
    return trimmed;
  }

  function checkExpiry(expiresAt: number | null): number | null {
    if (expiresAt === null) return null;
    if (!Number.isFinite(expiresAt) || expiresAt < clock.now() + MIN_EXPIRY_AHEAD_MS)
      throw new InvalidInputError("invalid_expiry", "the expiry must be at least 5 minutes ahead");
    return expiresAt;
  }

  /** The tokens delegated from `keys`, generation by generation. */
  async function descendantLevels(keys: readonly string[]): Promise<UserToken[][]> {
    const levels: UserToken[][] = [];
    const seen = new Set(keys);
    let frontier = [...keys];
    while (frontier.length > 0) {
      const children = (await tokens.childrenOf(frontier)).filter((c) => !seen.has(c.key));
      for (const child of children) seen.add(child.key);
      if (children.length > 0) levels.push(children);
      frontier = children.map((c) => c.key);
    }
    return levels;
  }

  const descendants = async (keys: readonly string[]) => (await descendantLevels(keys)).flat();

  async function removeAll(
    roots: UserToken[],
    action: "revoke" | "expire",
    actor: TokenActor,
    ip: string | null,
  ): Promise<void> {
    if (roots.length === 0) return;
    const levels = [roots, ...(await descendantLevels(roots.map((t) => t.key)))];
    // Deepest first, so no row goes by the foreign key's cascade unseen.
    const deleted = new Set<string>();
    for (const level of [...levels].reverse()) {
      for (const key of await tokens.deleteMany(level.map((t) => t.key))) deleted.add(key);
    }
    if (deleted.size === 0) return;
    deps.onRevoked([...deleted]);
    for (const token of levels.flat()) {
      if (deleted.has(token.key)) await record(token, action, actor, ip, values(token), null);
    }
  }

  async function mint(
    owner: Account,
    kind: TokenKind,
    fields: Partial<UserToken>,
    actor: TokenActor,
    ip: string | null,
  ): Promise<{ token: string; record: UserToken }> {
    const parts = newTokenParts();
    const secret = kind === "internal" || kind === "notebook" ? deps.childSecret(parts.key) : parts.secret;
    const token: UserToken = {
      key: parts.key,
      secretHash: hashSecret(secret),
      accountId: owner.id,
      kind,
      name: null,
      scopes: [],
      service: null,
      parentKey: null,
      parentSession: null,
      delegationKey: null,
      createdBy: actor,
      createdAt: clock.now(),
      lastUsedAt: null,
      expiresAt: null,
      ...fields,
    };
    await tokens.create(token);
    await record(token, "create", actor, ip, null, values(token));
    return { token: formatToken(token.key, secret), record: token };
  }

  const service = {
    /** A user token for the owner (kind `user`), or a service token for a bot account (`service`). */
    async create(
      actor: TokenActor,
      owner: Account,
      input: TokenInput,
      options: { kind?: "user" | "service"; ip?: string | null } = {},
    ): Promise<{ token: string; record: UserToken }> {
      const kind = options.kind ?? "user";
      if (kind === "service" && !owner.username.startsWith("bot-"))
        throw new InvalidInputError(
          "not_a_bot",
          "service tokens are for bot accounts (usernames starting bot-)",
        );
      const name = checkName(input.name);
      const scopes = checkScopes(input.scopes);
      const expiresAt = checkExpiry(input.expiresAt);
      const refused = await deps.unpermitted(owner, scopes);
      if (refused.length > 0)
        throw new InvalidInputError("invalid_scope", `not among the account's scopes: ${refused.join(" ")}`);
      return mint(owner, kind, { name, scopes, expiresAt }, actor, options.ip ?? null);
    },

    async find(key: string): Promise<UserToken> {
      const token = await tokens.find(key);
      if (!token) throw new NotFoundError("token");
      return token;
    },

    list: (filter: { accountId?: string; kind?: TokenKind; limit: number; after?: string }) =>
      tokens.list(filter),

    /** Renames, narrows scopes (never widens) and changes the expiry; children follow a shorter expiry. */
    async edit(
      actor: TokenActor,
      key: string,
      changes: TokenChanges,
      ip: string | null = null,
    ): Promise<UserToken> {
      const token = await service.find(key);
      if (token.kind !== "user" && token.kind !== "service")
        throw new ForbiddenError("delegated tokens cannot be edited; revoke them instead");
      const update: TokenChanges = {};
      if (changes.name !== undefined) update.name = checkName(changes.name);
      if (changes.scopes !== undefined) {
        const scopes = checkScopes(changes.scopes);
        const wider = scopes.filter((s) => !token.scopes.some((held) => scopeImplies(held, s)));
        if (wider.length > 0)
          throw new InvalidInputError(
            "invalid_scope",
            `scopes can only be narrowed; not held: ${wider.join(" ")}`,
          );
        update.scopes = scopes;
      }
      if (changes.expiresAt !== undefined) update.expiresAt = checkExpiry(changes.expiresAt);
      if (Object.keys(update).length === 0) return token;
      await tokens.update(key, update);
      const updated: UserToken = { ...token, ...update } as UserToken;
      await record(updated, "edit", actor, ip, values(token), values(updated));
      // Children never outlive their parent, nor hold scopes it lost.
      if (update.expiresAt !== undefined || update.scopes !== undefined) {
        const stale = (await descendants([key])).filter(
          (child) =>
            (update.expiresAt != null && (child.expiresAt === null || child.expiresAt > update.expiresAt)) ||
            (update.scopes !== undefined &&
              child.scopes.some((s) => !updated.scopes.some((held) => scopeImplies(held, s)))),
        );
        await removeAll(stale, "revoke", actor, ip);
      }
      return updated;
    },

    /** Revokes the token and every token delegated from it. */
    async revoke(actor: TokenActor, key: string, ip: string | null = null): Promise<void> {
      await removeAll([await service.find(key)], "revoke", actor, ip);
    },

    /** Revokes the children of a browser session (at logout). */
    async revokeForSession(sessionIdHash: string, ip: string | null = null): Promise<void> {
      await removeAll(await tokens.childrenOfSession(sessionIdHash), "revoke", null, ip);
    },

    /**
     * The token and its account if `presented` is a valid, unexpired Tessera token of a usable
     * account. Records last use at most once a minute.
     */
    async authenticate(presented: string): Promise<{ token: UserToken; account: Account } | undefined> {
      const parts = parseToken(presented);
      if (!parts) return undefined;
      const token = await tokens.find(parts.key);
      if (!token || !secretMatches(token, parts.secret)) return undefined;
      const now = clock.now();
      if (token.expiresAt !== null && token.expiresAt <= now) {
        void service.sweep().catch(() => undefined);
        return undefined;
      }
      const found = await deps.accounts.findById(token.accountId);
      if (!found || !isAccountUsable(found, now)) return undefined;
      if (token.lastUsedAt === null || now - token.lastUsedAt >= LAST_USED_GRANULARITY_MS) {
        await tokens.touch(token.key, now);
        token.lastUsedAt = now;
      }
      const { passwordHash: _secret, ...account } = found;
      return { token, account };
    },

    /**
     * A child token for `request`, reused while it has enough lifetime left. Identical
     * concurrent requests get one child: they share one promise in this process, and across
     * processes the unique delegation key lets one insert win while the others read it.
     */
    delegate(
      owner: Account,
      parent: DelegationParent,
      request: DelegationRequest,
    ): Promise<{ token: string; record: UserToken }> {
      const parentRef =
        parent.type === "token" ? `token:${parent.token.key}` : `session:${parent.sessionIdHash}`;
      const delegationKey = delegationKeyOf(parentRef, request.kind, request.service, request.scopes);
      const flightKey = `${delegationKey}:${request.minimumLifetime ?? ""}`;
      const running = inFlight.get(flightKey);
      if (running) return running;
      const promise = delegateOnce(owner, parent, request, delegationKey).finally(() =>
        inFlight.delete(flightKey),
      );
      inFlight.set(flightKey, promise);
      return promise;
    },

    /** Deletes expired tokens, recording each expiry. */
    async sweep(): Promise<number> {
      const now = clock.now();
      lastSweep = now;
      let total = 0;
      for (;;) {
        const due = await tokens.expiredBy(now, 200);
        if (due.length === 0) return total;
        await removeAll(due, "expire", null, null);
        total += due.length;
      }
    },

    /** Runs `sweep` when the last one is over a minute old (cheap to call often). */
    maybeSweep(): void {
      if (clock.now() - lastSweep >= SWEEP_INTERVAL_MS) void service.sweep().catch(() => undefined);
    },

    history: (filter: HistoryFilter) => tokens.history(filter),
  };

  async function delegateOnce(
    owner: Account,
    parent: DelegationParent,
    request: DelegationRequest,
    delegationKey: string,
  ): Promise<{ token: string; record: UserToken }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = clock.now();
      const parentExpires = parent.type === "token" ? parent.token.expiresAt : parent.expiresAt;
      const neededMs = (request.minimumLifetime ?? 0) * 1000;
      if (parentExpires !== null && parentExpires - now < neededMs) throw new DelegationTooShortError();
      const existing = await tokens.findByDelegation(delegationKey);
      if (existing) {
        const expires = existing.expiresAt ?? Number.POSITIVE_INFINITY;
        const threshold =
          request.minimumLifetime !== undefined ? neededMs : (expires - existing.createdAt) / 2;
        if (expires - now >= threshold && expires > now)
          return { token: formatToken(existing.key, deps.childSecret(existing.key)), record: existing };
        await tokens.retireDelegation(existing.key, delegationKey);
      }
      const expiresAt = Math.min(parentExpires ?? Number.POSITIVE_INFINITY, now + childLifetimeMs);
      try {
        return await mint(
          owner,
          request.kind,
          {
            scopes: request.scopes,
            service: request.service,
            parentKey: parent.type === "token" ? parent.token.key : null,
            parentSession: parent.type === "session" ? parent.sessionIdHash : null,
            delegationKey,
            expiresAt,
          },
          owner.id,
          null,
        );
      } catch (error) {
        // Another node created it first: read theirs on the next round.
        if (!(error instanceof ConflictError && error.field === "delegation")) throw error;
      }
    }
    throw new Error("could not settle a delegated token after repeated conflicts");
  }

  return service;
}

export type TokenService = ReturnType<typeof createTokenService>;
