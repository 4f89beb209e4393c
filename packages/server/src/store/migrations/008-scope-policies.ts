import type { Kysely } from "kysely";

/** Scope policies (INDIGO IAM's model): permit/deny rules for scope patterns, per account, group or default. */
export function scopePolicies() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("scope_policies")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("rule", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.references("accounts.id").onDelete("cascade"))
        .addColumn("group_id", "text", (c) => c.references("groups.id").onDelete("cascade"))
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("matching", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("scope_policies_account")
        .on("scope_policies")
        .column("account_id")
        .execute();
      await db.schema.createIndex("scope_policies_group").on("scope_policies").column("group_id").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("scope_policies").execute();
    },
  };
}
