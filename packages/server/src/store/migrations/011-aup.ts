import type { Kysely } from "kysely";

/** The acceptable-use policy (one current version) and who signed it when. */
export function aup() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("aup")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("url", "text")
        .addColumn("validity_days", "integer", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("aup_signatures")
        .addColumn("account_id", "text", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
        .addColumn("signed_at", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("aup_signatures").execute();
      await db.schema.dropTable("aup").execute();
    },
  };
}
