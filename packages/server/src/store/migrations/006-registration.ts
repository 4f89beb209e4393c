import { type Kysely, sql } from "kysely";

/** Account registration requests (moderated sign-up) and password-reset tokens. */
export function registration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("registrations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("username", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("notes", "text", (c) => c.notNull().defaultTo(""))
        // argon2id, kept only until the request is decided (then moved to the account, or dropped).
        .addColumn("password_hash", "text")
        .addColumn("aup_accepted_at", "bigint", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        // SHA-256 of the email-verification secret; null once used.
        .addColumn("email_token_hash", "text", (c) => c.unique())
        .addColumn("email_token_expires_at", "bigint", (c) => c.notNull())
        .addColumn("email_confirmed_at", "bigint")
        .addColumn("account_id", "text")
        .addColumn("decided_by", "text")
        .addColumn("reason", "text")
        .addColumn("ip", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("decided_at", "bigint")
        .execute();
      // A username is held by at most one open request (accounts hold theirs by their own index).
      await sql`create unique index registrations_open_username on registrations (username) where status in ('unconfirmed', 'pending')`.execute(
        db,
      );
      await db.schema
        .createIndex("registrations_status")
        .on("registrations")
        .columns(["status", "created_at"])
        .execute();

      await db.schema
        .createTable("password_resets")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();
      await db.schema
        .createIndex("password_resets_account")
        .on("password_resets")
        .column("account_id")
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["password_resets", "registrations"]) await db.schema.dropTable(table).execute();
    },
  };
}
