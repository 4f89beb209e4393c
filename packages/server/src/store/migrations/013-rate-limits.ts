import type { Kysely } from "kysely";

/**
 * Request rate limits shared by every node (RFC 6585 429): one fixed-window counter per key
 * (`<route family>:ip:<address>` or `<route family>:client:<id>`) and window start (ms).
 */
export function rateLimits() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("rate_limits")
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("window_start", "bigint", (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("rate_limits_pk", ["key", "window_start"])
        .execute();
      await db.schema.createIndex("rate_limits_window").on("rate_limits").column("window_start").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("rate_limits").execute();
    },
  };
}
