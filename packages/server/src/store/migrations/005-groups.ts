import type { Kysely } from "kysely";

/** Hierarchical groups, memberships (with managers and end dates) and membership requests. */
export function groups() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("groups")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull().unique())
        .addColumn("parent_id", "text", (c) => c.references("groups.id").onDelete("restrict"))
        .addColumn("description", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("optional", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("groups_parent").on("groups").column("parent_id").execute();

      await db.schema
        .createTable("group_members")
        .addColumn("group_id", "text", (c) => c.notNull().references("groups.id").onDelete("cascade"))
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("manager", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("ends_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("group_members_pk", ["group_id", "account_id"])
        .execute();
      await db.schema.createIndex("group_members_account").on("group_members").column("account_id").execute();

      await db.schema
        .createTable("group_requests")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("group_id", "text", (c) => c.notNull().references("groups.id").onDelete("cascade"))
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("motivation", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("decided_by", "text")
        .addColumn("reason", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("decided_at", "bigint")
        .execute();
      await db.schema
        .createIndex("group_requests_group")
        .on("group_requests")
        .columns(["group_id", "status"])
        .execute();
      await db.schema
        .createIndex("group_requests_account")
        .on("group_requests")
        .column("account_id")
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["group_requests", "group_members", "groups"])
        await db.schema.dropTable(table).execute();
    },
  };
}
