import type { Kysely } from "kysely";

/** Identities at upstream providers linked to accounts; one (provider, subject) per account. */
export function identities() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("identities")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("email", "text")
        .addColumn("username", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_login_at", "bigint")
        .addUniqueConstraint("identities_provider_subject", ["provider", "subject"])
        .execute();
      await db.schema.createIndex("identities_account").on("identities").column("account_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("identities").execute();
    },
  };
}
