import type { Kysely } from "kysely";

/** Token exchange policies (RFC 8693 delegation): which client may exchange which client's tokens. */
export function tokenExchange() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // No foreign keys: either client may be `*`, any client.
      await db.schema
        .createTable("token_exchange_policies")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("origin_client_id", "text", (c) => c.notNull())
        .addColumn("destination_client_id", "text", (c) => c.notNull())
        .addColumn("allow_refresh", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("scope_ceiling", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("token_exchange_policies_pair")
        .on("token_exchange_policies")
        .columns(["origin_client_id", "destination_client_id"])
        .unique()
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("token_exchange_policies").execute();
    },
  };
}
