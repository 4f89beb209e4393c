import type { Kysely, Selectable } from "kysely";
import type { ThrottleRepository, ThrottleState } from "../../domain/login/login-throttle.js";
import type { Dialect } from "../dialect.js";
import type { Database, LoginThrottleTable } from "../schema.js";

const toState = (row: Selectable<LoginThrottleTable>): ThrottleState => ({
  key: row.key,
  failures: row.failures,
  lockedUntil: row.locked_until,
  lastFailureAt: row.last_failure_at,
});

export function createThrottleRepository(db: Kysely<Database>, dialect: Dialect): ThrottleRepository {
  return {
    attempt(key, now, { forgetBefore, limit, lockFor }) {
      return db.transaction().execute(async (trx) => {
        await trx
          .insertInto("login_throttle")
          .values({ key, failures: 0, locked_until: 0, last_failure_at: 0 })
          .onConflict((oc) => oc.column("key").doNothing())
          .execute();
        const select = trx.selectFrom("login_throttle").selectAll().where("key", "=", key);
        // PostgreSQL: lock the row so concurrent attempts on several nodes queue here. SQLite
        // transactions are already serialised.
        const row = await (dialect === "postgres" ? select.forUpdate() : select).executeTakeFirstOrThrow();
        if (row.locked_until > now) return { allowed: false, lockedUntil: row.locked_until };
        const failures = row.last_failure_at < forgetBefore ? 1 : row.failures + 1;
        const lockedUntil = failures >= limit ? now + lockFor(failures - limit) * 1000 : 0;
        await trx
          .updateTable("login_throttle")
          .set({ failures, last_failure_at: now, locked_until: lockedUntil })
          .where("key", "=", key)
          .execute();
        return { allowed: true, lockedUntil };
      });
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
