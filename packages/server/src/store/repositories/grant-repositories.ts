import { type Kysely, type Selectable, sql } from "kysely";
import type { AccessTokenRevocations } from "../../domain/grants/access-token-revocations.js";
import type { AuthorizationCodeRepository } from "../../domain/grants/authorization-code.js";
import type {
  DeviceAuthorizationRepository,
  DeviceStatus,
} from "../../domain/grants/device-authorization.js";
import type { RefreshTokenRepository } from "../../domain/grants/refresh-token.js";
import type { Dialect } from "../dialect.js";
import { prepareQuery } from "../prepared-query.js";
import type { Database, DeviceAuthorizationsTable, RefreshTokensTable } from "../schema.js";
import { fromJsonList, toJson } from "./json-columns.js";

const scopeList = (text: string) => text.split(" ").filter(Boolean);

function toRefreshToken(r: Selectable<RefreshTokensTable>) {
  return {
    tokenHash: r.token_hash,
    familyId: r.family_id,
    clientId: r.client_id,
    accountId: r.account_id,
    scope: scopeList(r.scope),
    audiences: fromJsonList(r.audiences),
    authTime: r.auth_time,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
    revokedAt: r.revoked_at,
  };
}

/** What a rotated refresh token passes to its successor: the grant, its family and its owner. */
const INHERITED = ["family_id", "client_id", "account_id", "scope", "audiences", "auth_time"] as const;

export function createRefreshTokenRepository(db: Kysely<Database>, dialect: Dialect): RefreshTokenRepository {
  // The two statements of a refresh on SQLite (PostgreSQL runs both as one, below).
  const spend = prepareQuery(db, (tokenHash: string, clientId: string, at: number) =>
    db
      .updateTable("refresh_tokens")
      .set({ used_at: at })
      .where("token_hash", "=", tokenHash)
      .where("client_id", "=", clientId)
      .where("used_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", at)
      .returningAll(),
  );
  const insertSuccessor = prepareQuery(
    db,
    (successorHash: string, at: number, expiresAt: number, spentHash: string) =>
      db
        .insertInto("refresh_tokens")
        .columns(["token_hash", ...INHERITED, "created_at", "expires_at", "used_at", "revoked_at"])
        .expression((eb) =>
          eb
            .selectFrom("refresh_tokens")
            .select([
              eb.val(successorHash).as("token_hash"),
              ...INHERITED,
              eb.val(at).as("created_at"),
              eb.val(expiresAt).as("expires_at"),
              eb.val(null).as("used_at"),
              eb.val(null).as("revoked_at"),
            ])
            .where("token_hash", "=", spentHash),
        ),
  );
  return {
    async create(t) {
      await db
        .insertInto("refresh_tokens")
        .values({
          token_hash: t.tokenHash,
          family_id: t.familyId,
          client_id: t.clientId,
          account_id: t.accountId,
          scope: t.scope.join(" "),
          audiences: toJson(t.audiences),
          auth_time: t.authTime,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          used_at: t.usedAt,
          revoked_at: t.revokedAt,
        })
        .execute();
    },
    async find(tokenHash) {
      const row = await db
        .selectFrom("refresh_tokens")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row && toRefreshToken(row);
    },
    async rotate(tokenHash, clientId, at, successor) {
      if (dialect === "postgres") {
        // One statement, so one round trip and one commit: the spend and the successor's insert
        // (a data-modifying WITH runs once whether or not the outer query reads it).
        const { rows } = await sql<Selectable<RefreshTokensTable>>`
          with spent as (
            update refresh_tokens set used_at = ${at}
            where token_hash = ${tokenHash} and client_id = ${clientId}
              and used_at is null and revoked_at is null and expires_at > ${at}
            returning *
          ), successor as (
            insert into refresh_tokens (token_hash, family_id, client_id, account_id, scope, audiences,
              auth_time, created_at, expires_at, used_at, revoked_at)
            select ${successor.tokenHash}, family_id, client_id, account_id, scope, audiences,
              auth_time, ${at}::bigint, ${successor.expiresAt}::bigint, null, null from spent
          )
          select * from spent`.execute(db);
        return rows[0] && toRefreshToken(rows[0]);
      }
      // SQLite has no writes inside WITH: one transaction, so still one commit.
      return db.transaction().execute(async (trx) => {
        const [row] = (await spend.in(trx, tokenHash, clientId, at)).rows;
        if (!row) return undefined;
        await insertSuccessor.in(trx, successor.tokenHash, at, successor.expiresAt, tokenHash);
        return toRefreshToken(row);
      });
    },
    async revokeFamily(familyId, at) {
      await db
        .updateTable("refresh_tokens")
        .set({ revoked_at: at })
        .where("family_id", "=", familyId)
        .where("revoked_at", "is", null)
        .execute();
    },
    async revokeForClient(clientId, at) {
      await db
        .updateTable("refresh_tokens")
        .set({ revoked_at: at })
        .where("client_id", "=", clientId)
        .where("revoked_at", "is", null)
        .execute();
    },
    async revokeForAccountAndClient(accountId, clientId, at) {
      await db
        .updateTable("refresh_tokens")
        .set({ revoked_at: at })
        .where("account_id", "=", accountId)
        .where("client_id", "=", clientId)
        .where("revoked_at", "is", null)
        .execute();
    },
    async revokeForAccount(accountId, at) {
      await db
        .updateTable("refresh_tokens")
        .set({ revoked_at: at })
        .where("account_id", "=", accountId)
        .where("revoked_at", "is", null)
        .execute();
    },
  };
}

export function createAuthorizationCodeRepository(db: Kysely<Database>): AuthorizationCodeRepository {
  return {
    async create(c) {
      await db
        .insertInto("authorization_codes")
        .values({
          code_hash: c.codeHash,
          client_id: c.clientId,
          account_id: c.accountId,
          redirect_uri: c.redirectUri,
          scope: c.scope.join(" "),
          audiences: toJson(c.audiences),
          nonce: c.nonce,
          code_challenge: c.codeChallenge,
          auth_time: c.authTime,
          family_id: c.familyId,
          created_at: c.createdAt,
          expires_at: c.expiresAt,
          used_at: c.usedAt,
        })
        .execute();
    },
    async find(codeHash) {
      const r = await db
        .selectFrom("authorization_codes")
        .selectAll()
        .where("code_hash", "=", codeHash)
        .executeTakeFirst();
      return (
        r && {
          codeHash: r.code_hash,
          clientId: r.client_id,
          accountId: r.account_id,
          redirectUri: r.redirect_uri,
          scope: scopeList(r.scope),
          audiences: fromJsonList(r.audiences),
          nonce: r.nonce,
          codeChallenge: r.code_challenge,
          authTime: r.auth_time,
          familyId: r.family_id,
          createdAt: r.created_at,
          expiresAt: r.expires_at,
          usedAt: r.used_at,
        }
      );
    },
    async markUsed(codeHash, at) {
      const result = await db
        .updateTable("authorization_codes")
        .set({ used_at: at })
        .where("code_hash", "=", codeHash)
        .where("used_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

function toDevice(r: Selectable<DeviceAuthorizationsTable>) {
  return {
    deviceCodeHash: r.device_code_hash,
    userCode: r.user_code,
    clientId: r.client_id,
    scope: scopeList(r.scope),
    audiences: fromJsonList(r.audiences),
    status: r.status as DeviceStatus,
    accountId: r.account_id,
    authTime: r.auth_time,
    interval: r.interval,
    lastPolledAt: r.last_polled_at,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export function createDeviceAuthorizationRepository(db: Kysely<Database>): DeviceAuthorizationRepository {
  return {
    async create(d) {
      await db
        .insertInto("device_authorizations")
        .values({
          device_code_hash: d.deviceCodeHash,
          user_code: d.userCode,
          client_id: d.clientId,
          scope: d.scope.join(" "),
          audiences: toJson(d.audiences),
          status: d.status,
          account_id: d.accountId,
          auth_time: d.authTime,
          interval: d.interval,
          last_polled_at: d.lastPolledAt,
          created_at: d.createdAt,
          expires_at: d.expiresAt,
        })
        .execute();
    },
    async findByDeviceCode(hash) {
      const r = await db
        .selectFrom("device_authorizations")
        .selectAll()
        .where("device_code_hash", "=", hash)
        .executeTakeFirst();
      return r && toDevice(r);
    },
    async findByUserCode(userCode) {
      const r = await db
        .selectFrom("device_authorizations")
        .selectAll()
        .where("user_code", "=", userCode)
        .executeTakeFirst();
      return r && toDevice(r);
    },
    async recordPoll(hash, at, interval) {
      await db
        .updateTable("device_authorizations")
        .set({ last_polled_at: at, interval })
        .where("device_code_hash", "=", hash)
        .execute();
    },
    async decide(userCode, decision) {
      const result = await db
        .updateTable("device_authorizations")
        .set({ status: decision.status, account_id: decision.accountId, auth_time: decision.authTime })
        .where("user_code", "=", userCode)
        .where("status", "=", "pending")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async consume(hash) {
      const result = await db
        .updateTable("device_authorizations")
        .set({ status: "consumed" })
        .where("device_code_hash", "=", hash)
        .where("status", "=", "approved")
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export function createAccessTokenRevocations(db: Kysely<Database>): AccessTokenRevocations {
  return {
    async revoke(jti, expiresAt) {
      await db
        .insertInto("revoked_access_tokens")
        .values({ jti, expires_at: expiresAt })
        .onConflict((oc) => oc.column("jti").doNothing())
        .execute();
    },
    async isRevoked(jti) {
      const row = await db
        .selectFrom("revoked_access_tokens")
        .select("jti")
        .where("jti", "=", jti)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** Records an identifier that may be seen once; false when it was seen before (a replay). */
export function createOneTimeIds(db: Kysely<Database>) {
  return {
    async firstUse(id: string, expiresAt: number): Promise<boolean> {
      const result = await db
        .insertInto("one_time_ids")
        .values({ id, expires_at: expiresAt })
        .onConflict((oc) => oc.column("id").doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}
