import { type Kysely, type Selectable, sql } from "kysely";
import type { ThrottleRepository, ThrottleState } from "../../domain/login/login-throttle.js";
import type { Database, LoginThrottleTable } from "../schema.js";

const toState = (row: Selectable<LoginThrottleTable>): ThrottleState => ({
  key: row.key,
  failures: row.failures,
  lockedUntil: row.locked_until,
  lastFailureAt: row.last_failure_at,
});

export function createThrottleRepository(db: Kysely<Database>): ThrottleRepository {
  return {
    async addFailure(key, at, forgetBefore) {
      // One upsert, so concurrent failures on several nodes all count.
      const row = await db
        .insertInto("login_throttle")
        .values({ key, failures: 1, locked_until: 0, last_failure_at: at })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: sql<number>`case when login_throttle.last_failure_at < ${forgetBefore} then 1 else login_throttle.failures + 1 end`,
            last_failure_at: at,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toState(row);
    },
    async setLockedUntil(key, lockedUntil) {
      await db
        .updateTable("login_throttle")
        .set({ locked_until: lockedUntil })
        .where("key", "=", key)
        .execute();
    },
    async get(keys) {
      if (keys.length === 0) return [];
      const rows = await db.selectFrom("login_throttle").selectAll().where("key", "in", keys).execute();
      return rows.map(toState);
    },
    async clear(key) {
      await db.deleteFrom("login_throttle").where("key", "=", key).execute();
    },
  };
}
