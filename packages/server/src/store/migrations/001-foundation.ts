import { type Kysely, sql } from "kysely";
import type { Dialect } from "../dialect.js";

/** Accounts, browser sessions, login throttling, the audit trail and signing keys. */
export function foundation(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const bigint = "bigint" as const;
      await db.schema
        .createTable("accounts")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("username", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("password_hash", "text")
        .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", bigint, (c) => c.notNull())
        .addColumn("updated_at", bigint, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("accounts_email").on("accounts").column("email").execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id_hash", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("created_at", bigint, (c) => c.notNull())
        .addColumn("last_seen_at", bigint, (c) => c.notNull())
        .addColumn("expires_at", bigint, (c) => c.notNull())
        .addColumn("ip", "text", (c) => c.notNull())
        .addColumn("user_agent", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_account").on("sessions").column("account_id").execute();
      await db.schema.createIndex("sessions_expires").on("sessions").column("expires_at").execute();

      await db.schema
        .createTable("login_throttle")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("locked_until", bigint, (c) => c.notNull())
        .addColumn("last_failure_at", bigint, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("audit_events")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
          dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn("at", bigint, (c) => c.notNull())
        // No foreign key: the trail outlives the accounts it mentions.
        .addColumn("account_id", "text")
        .addColumn("username", "text")
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("method", "text")
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("reason", "text")
        .addColumn("ip", "text")
        .addColumn("user_agent", "text")
        .execute();
      await db.schema.createIndex("audit_events_at").on("audit_events").column("at").execute();
      await db.schema
        .createIndex("audit_events_account")
        .on("audit_events")
        .columns(["account_id", "at"])
        .execute();

      await db.schema
        .createTable("signing_keys")
        .addColumn("kid", "text", (c) => c.primaryKey())
        .addColumn("alg", "text", (c) => c.notNull())
        .addColumn("public_jwk", "text", (c) => c.notNull())
        .addColumn("private_jwe", "text", (c) => c.notNull())
        .addColumn("created_at", bigint, (c) => c.notNull())
        .addColumn("signs_from", bigint, (c) => c.notNull())
        .addColumn("signs_until", bigint)
        .addColumn("published_until", bigint)
        .execute();
      // At most one key is open-ended (the newest): two nodes creating the first key at once,
      // or rotating at once, cannot leave two keys that sign forever.
      await sql`create unique index signing_keys_one_open on signing_keys ((signs_until is null)) where signs_until is null`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["signing_keys", "audit_events", "login_throttle", "sessions", "accounts"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
