import type { Kysely } from "kysely";

/** OAuth clients and the grant state: authorization codes, device authorizations, refresh tokens, revocations. */
export function oauth() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("clients")
        .addColumn("client_id", "text", (c) => c.primaryKey())
        .addColumn("client_name", "text", (c) => c.notNull())
        .addColumn("secret_hash", "text")
        .addColumn("auth_method", "text", (c) => c.notNull())
        .addColumn("application_type", "text", (c) => c.notNull())
        .addColumn("redirect_uris", "text", (c) => c.notNull())
        .addColumn("grant_types", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("audiences", "text", (c) => c.notNull())
        .addColumn("access_token_lifetime", "integer")
        .addColumn("refresh_token_lifetime", "integer")
        .addColumn("jwks", "text")
        .addColumn("owner_account_id", "text", (c) => c.references("accounts.id").onDelete("set null"))
        .addColumn("registration_token_hash", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("authorization_codes")
        .addColumn("code_hash", "text", (c) => c.primaryKey())
        .addColumn("client_id", "text", (c) =>
          c.notNull().references("clients.client_id").onDelete("cascade"),
        )
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("redirect_uri", "text", (c) => c.notNull())
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("audiences", "text", (c) => c.notNull())
        .addColumn("nonce", "text")
        .addColumn("code_challenge", "text")
        .addColumn("auth_time", "bigint", (c) => c.notNull())
        .addColumn("family_id", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .execute();

      await db.schema
        .createTable("device_authorizations")
        .addColumn("device_code_hash", "text", (c) => c.primaryKey())
        .addColumn("user_code", "text", (c) => c.notNull().unique())
        .addColumn("client_id", "text", (c) =>
          c.notNull().references("clients.client_id").onDelete("cascade"),
        )
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("audiences", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.references("accounts.id").onDelete("cascade"))
        .addColumn("auth_time", "bigint")
        .addColumn("interval", "integer", (c) => c.notNull())
        .addColumn("last_polled_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("refresh_tokens")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("family_id", "text", (c) => c.notNull())
        .addColumn("client_id", "text", (c) =>
          c.notNull().references("clients.client_id").onDelete("cascade"),
        )
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("audiences", "text", (c) => c.notNull())
        .addColumn("auth_time", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("used_at", "bigint")
        .addColumn("revoked_at", "bigint")
        .execute();
      await db.schema.createIndex("refresh_tokens_family").on("refresh_tokens").column("family_id").execute();
      await db.schema
        .createIndex("refresh_tokens_account")
        .on("refresh_tokens")
        .column("account_id")
        .execute();
      await db.schema
        .createIndex("refresh_tokens_expires")
        .on("refresh_tokens")
        .column("expires_at")
        .execute();

      await db.schema
        .createTable("revoked_access_tokens")
        .addColumn("jti", "text", (c) => c.primaryKey())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();

      // Identifiers that may be used once (client assertion jti), kept until they expire.
      await db.schema
        .createTable("one_time_ids")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of [
        "one_time_ids",
        "revoked_access_tokens",
        "refresh_tokens",
        "device_authorizations",
        "authorization_codes",
        "clients",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
