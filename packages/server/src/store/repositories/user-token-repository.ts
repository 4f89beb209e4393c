import type { Kysely, Selectable } from "kysely";
import { ConflictError } from "../../domain/errors.js";
import type {
  HistoryAction,
  TokenHistoryEntry,
  TokenKind,
  TokenValues,
  UserToken,
  UserTokenRepository,
} from "../../domain/tokens/user-token.js";
import type { Database, UserTokensTable } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

function toToken(row: Selectable<UserTokensTable>): UserToken {
  return {
    key: row.token_key,
    secretHash: row.secret_hash,
    accountId: row.account_id,
    kind: row.kind as TokenKind,
    name: row.name,
    scopes: row.scopes.split(" ").filter(Boolean),
    service: row.service,
    parentKey: row.parent_key,
    parentSession: row.parent_session,
    delegationKey: row.delegation_key,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  };
}

const parseValues = (text: string | null): TokenValues | null => (text === null ? null : JSON.parse(text));

export function createUserTokenRepository(db: Kysely<Database>): UserTokenRepository {
  return {
    async create(t) {
      try {
        await db
          .insertInto("user_tokens")
          .values({
            token_key: t.key,
            secret_hash: t.secretHash,
            account_id: t.accountId,
            kind: t.kind,
            name: t.name,
            scopes: t.scopes.join(" "),
            service: t.service,
            parent_key: t.parentKey,
            parent_session: t.parentSession,
            delegation_key: t.delegationKey,
            created_by: t.createdBy,
            created_at: t.createdAt,
            last_used_at: t.lastUsedAt,
            expires_at: t.expiresAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(t.delegationKey ? "delegation" : "name");
        throw error;
      }
    },
    async find(key) {
      const row = await db
        .selectFrom("user_tokens")
        .selectAll()
        .where("token_key", "=", key)
        .executeTakeFirst();
      return row && toToken(row);
    },
    async findByDelegation(delegationKey) {
      const row = await db
        .selectFrom("user_tokens")
        .selectAll()
        .where("delegation_key", "=", delegationKey)
        .executeTakeFirst();
      return row && toToken(row);
    },
    async list({ accountId, kind, limit, after }) {
      let query = db.selectFrom("user_tokens").selectAll().orderBy("token_key").limit(limit);
      if (accountId !== undefined) query = query.where("account_id", "=", accountId);
      if (kind !== undefined) query = query.where("kind", "=", kind);
      if (after !== undefined) query = query.where("token_key", ">", after);
      return (await query.execute()).map(toToken);
    },
    async update(key, changes) {
      const set: { name?: string; scopes?: string; expires_at?: number | null } = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.scopes !== undefined) set.scopes = changes.scopes.join(" ");
      if (changes.expiresAt !== undefined) set.expires_at = changes.expiresAt;
      try {
        await db.updateTable("user_tokens").set(set).where("token_key", "=", key).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("name");
        throw error;
      }
    },
    async touch(key, at) {
      await db.updateTable("user_tokens").set({ last_used_at: at }).where("token_key", "=", key).execute();
    },
    async retireDelegation(key, delegationKey) {
      await db
        .updateTable("user_tokens")
        .set({ delegation_key: null })
        .where("token_key", "=", key)
        .where("delegation_key", "=", delegationKey)
        .execute();
    },
    async childrenOf(parentKeys) {
      if (parentKeys.length === 0) return [];
      const rows = await db
        .selectFrom("user_tokens")
        .selectAll()
        .where("parent_key", "in", parentKeys)
        .execute();
      return rows.map(toToken);
    },
    async childrenOfSession(idHash) {
      const rows = await db
        .selectFrom("user_tokens")
        .selectAll()
        .where("parent_session", "=", idHash)
        .execute();
      return rows.map(toToken);
    },
    async deleteMany(keys) {
      const deleted: string[] = [];
      for (let i = 0; i < keys.length; i += 500) {
        const rows = await db
          .deleteFrom("user_tokens")
          .where("token_key", "in", keys.slice(i, i + 500))
          .returning("token_key")
          .execute();
        deleted.push(...rows.map((r) => r.token_key));
      }
      return deleted;
    },
    async expiredBy(now, limit) {
      const rows = await db
        .selectFrom("user_tokens")
        .selectAll()
        .where("expires_at", "<=", now)
        .orderBy("expires_at")
        .limit(limit)
        .execute();
      return rows.map(toToken);
    },
    async appendHistory(e) {
      await db
        .insertInto("token_history")
        .values({
          token_key: e.tokenKey,
          account_id: e.accountId,
          kind: e.kind,
          action: e.action,
          actor: e.actor,
          old_values: e.oldValues === null ? null : JSON.stringify(e.oldValues),
          new_values: e.newValues === null ? null : JSON.stringify(e.newValues),
          ip: e.ip,
          at: e.at,
        })
        .execute();
    },
    async history(f) {
      let query = db.selectFrom("token_history").selectAll().orderBy("id", "desc").limit(f.limit);
      if (f.accountId !== undefined) query = query.where("account_id", "=", f.accountId);
      if (f.tokenKey !== undefined) query = query.where("token_key", "=", f.tokenKey);
      if (f.action !== undefined) query = query.where("action", "=", f.action);
      if (f.kind !== undefined) query = query.where("kind", "=", f.kind);
      if (f.since !== undefined) query = query.where("at", ">=", f.since);
      if (f.until !== undefined) query = query.where("at", "<", f.until);
      if (f.before !== undefined) query = query.where("id", "<", f.before);
      const rows = await query.execute();
      return rows.map(
        (r): TokenHistoryEntry => ({
          id: Number(r.id),
          tokenKey: r.token_key,
          accountId: r.account_id,
          kind: r.kind as TokenKind,
          action: r.action as HistoryAction,
          actor: r.actor,
          oldValues: parseValues(r.old_values),
          newValues: parseValues(r.new_values),
          ip: r.ip,
          at: Number(r.at),
        }),
      );
    },
  };
}
