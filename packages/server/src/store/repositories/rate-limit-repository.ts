import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";

export interface RateLimitCounter {
  /** Counts one hit on `key` in the window starting at `windowStart` (ms); returns the count so far. */
  hit(key: string, windowStart: number): Promise<number>;
}

/**
 * Fixed-window counters in the database, so a limit holds across nodes: one atomic upsert per
 * hit (`INSERT … ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`, the same on SQLite
 * and PostgreSQL). The first hit of a window sweeps the finished windows of every key.
 */
export function createRateLimitRepository(db: Kysely<Database>): RateLimitCounter {
  return {
    async hit(key, windowStart) {
      const row = await db
        .insertInto("rate_limits")
        .values({ key, window_start: windowStart, count: 1 })
        .onConflict((oc) =>
          oc.columns(["key", "window_start"]).doUpdateSet({ count: sql<number>`rate_limits.count + 1` }),
        )
        .returning("count")
        .executeTakeFirstOrThrow();
      const count = Number(row.count);
      if (count === 1) {
        await db.deleteFrom("rate_limits").where("window_start", "<", windowStart).execute();
      }
      return count;
    },
  };
}
