import type { Kysely } from "kysely";

/**
 * TOTP second factor (RFC 6238): one credential per account, its secret sealed with a key derived
 * from the key-encryption key (never stored in clear), the last accepted time step (a code is
 * refused once its step was used), and single-use recovery codes stored as SHA-256 hashes.
 */
export function totp() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("totp_credentials")
        .addColumn("account_id", "text", (c) => c.primaryKey().references("accounts.id").onDelete("cascade"))
        .addColumn("secret_sealed", "text", (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("last_step", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("enabled_at", "bigint")
        .execute();
      await db.schema
        .createTable("totp_recovery_codes")
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("code_hash", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("totp_recovery_codes_pk", ["account_id", "code_hash"])
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("totp_recovery_codes").execute();
      await db.schema.dropTable("totp_credentials").execute();
    },
  };
}
