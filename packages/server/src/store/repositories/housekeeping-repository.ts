import { type Kysely, sql } from "kysely";
import type { HousekeepingRepository } from "../../domain/maintenance/housekeeping.js";
import type { Dialect } from "../dialect.js";
import type { Database } from "../schema.js";

/** Any 64-bit number unique to this job; PostgreSQL advisory locks are per database. */
export const HOUSEKEEPING_LOCK = "7315200318000001";

const KEYS = {
  authorization_codes: "code_hash",
  device_authorizations: "device_code_hash",
  refresh_tokens: "token_hash",
  revoked_access_tokens: "jti",
  one_time_ids: "id",
  password_resets: "token_hash",
} as const;

/**
 * The housekeeping deletes. Every batch is `delete … where key in (select key … limit n)`: the
 * same SQL on SQLite and PostgreSQL (neither accepts `delete … limit` portably), one short
 * statement each, driven by the indexes of migration 014.
 */
export function createHousekeepingRepository(db: Kysely<Database>, dialect: Dialect): HousekeepingRepository {
  const deleted = (result: { numDeletedRows: bigint }) => Number(result.numDeletedRows);
  return {
    async expiredSessionIds(now, idleBefore, limit) {
      const rows = await db
        .selectFrom("sessions")
        .select("id_hash")
        .where((eb) => eb.or([eb("expires_at", "<=", now), eb("last_seen_at", "<=", idleBefore)]))
        .limit(limit)
        .execute();
      return rows.map((r) => r.id_hash);
    },
    async delegatingSessions(ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .selectFrom("user_tokens")
        .select("parent_session")
        .distinct()
        .where("parent_session", "in", [...ids])
        .execute();
      return rows.flatMap((r) => (r.parent_session ? [r.parent_session] : []));
    },
    async deleteSessions(ids) {
      if (ids.length === 0) return 0;
      return deleted(
        await db
          .deleteFrom("sessions")
          .where("id_hash", "in", [...ids])
          .executeTakeFirst(),
      );
    },
    async deleteExpired(table, now, limit) {
      // One table at a time with its own key column: typed loosely, the shape is the same.
      const loose = db as unknown as Kysely<Record<string, { key: string; expires_at: number }>>;
      const key = KEYS[table] as "key";
      return deleted(
        await loose
          .deleteFrom(table)
          .where(key, "in", (eb) =>
            eb.selectFrom(table).select(key).where("expires_at", "<=", now).limit(limit),
          )
          .executeTakeFirst(),
      );
    },
    async deleteIdleThrottles(now, forgetBefore, limit) {
      return deleted(
        await db
          .deleteFrom("login_throttle")
          .where("key", "in", (eb) =>
            eb
              .selectFrom("login_throttle")
              .select("key")
              .where("locked_until", "<=", now)
              .where("last_failure_at", "<", forgetBefore)
              .limit(limit),
          )
          .executeTakeFirst(),
      );
    },
    async closeExpiredRegistrations(now, limit) {
      const result = await db
        .updateTable("registrations")
        .set({ status: "expired", email_token_hash: null, password_hash: null })
        .where("id", "in", (eb) =>
          eb
            .selectFrom("registrations")
            .select("id")
            .where("status", "=", "unconfirmed")
            .where("email_token_expires_at", "<=", now)
            .limit(limit),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async deleteClosedRegistrations(before, limit) {
      return deleted(
        await db
          .deleteFrom("registrations")
          .where("id", "in", (eb) =>
            eb
              .selectFrom("registrations")
              .select("id")
              .where("status", "in", ["expired", "rejected"])
              .where("created_at", "<", before)
              .limit(limit),
          )
          .executeTakeFirst(),
      );
    },
    async deleteUnusedDynamicClients(createdBefore, limit) {
      return deleted(
        await db
          .deleteFrom("clients")
          .where("client_id", "in", (eb) =>
            eb
              .selectFrom("clients as c")
              .select("c.client_id")
              .where("c.registration_token_hash", "is not", null)
              .where("c.owner_account_id", "is", null)
              .where("c.created_at", "<", createdBefore)
              // Clients that work without refresh tokens (client credentials, token exchange)
              // leave no trace here when in use: never treat them as unused.
              .where("c.grant_types", "not like", '%"client_credentials"%')
              .where("c.grant_types", "not like", "%token-exchange%")
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("refresh_tokens as r")
                      .select("r.token_hash")
                      .whereRef("r.client_id", "=", "c.client_id"),
                  ),
                ),
              )
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("authorization_codes as a")
                      .select("a.code_hash")
                      .whereRef("a.client_id", "=", "c.client_id"),
                  ),
                ),
              )
              .where(({ not, exists, selectFrom }) =>
                not(
                  exists(
                    selectFrom("device_authorizations as d")
                      .select("d.device_code_hash")
                      .whereRef("d.client_id", "=", "c.client_id"),
                  ),
                ),
              )
              .limit(limit),
          )
          .executeTakeFirst(),
      );
    },
    async deleteHistory(table, before, limit) {
      return deleted(
        await db
          .deleteFrom(table)
          .where("id", "in", (eb) => eb.selectFrom(table).select("id").where("at", "<", before).limit(limit))
          .executeTakeFirst(),
      );
    },
    async deleteRetiredKeys(before) {
      return deleted(
        await db
          .deleteFrom("signing_keys")
          .where("published_until", "is not", null)
          .where("published_until", "<", before)
          .executeTakeFirst(),
      );
    },
    /**
     * PostgreSQL: a session-level `pg_try_advisory_lock` taken on one pinned pool connection for
     * the whole pass and released in `finally` (or by the server when a dying node's connection
     * closes). Not `pg_try_advisory_xact_lock`: that lock lasts one transaction, so the pass would
     * have to be one long transaction, defeating the batches (every deleted row locked and its
     * space unreclaimable until the end). The batches run on other pool connections.
     */
    async withLeaderLock(work) {
      if (dialect !== "postgres") return work();
      return db.connection().execute(async (connection) => {
        const lock = await sql<{
          locked: boolean;
        }>`select pg_try_advisory_lock(${HOUSEKEEPING_LOCK}::bigint) as locked`.execute(connection);
        if (!lock.rows[0]?.locked) return undefined;
        try {
          return await work();
        } finally {
          await sql`select pg_advisory_unlock(${HOUSEKEEPING_LOCK}::bigint)`.execute(connection);
        }
      });
    },
  };
}
