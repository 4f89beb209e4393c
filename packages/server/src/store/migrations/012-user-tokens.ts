import type { Kysely } from "kysely";
import type { Dialect } from "../dialect.js";

/**
 * The token service (Gafaelfawr's model): user and service tokens `tsr_<key>.<secret>` stored
 * as SHA-256 of the secret, delegated children that go with their parent (a token or a browser
 * session), and the history of every change to a token.
 */
export function userTokens(dialect: Dialect) {
  const bigint = "bigint";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("user_tokens")
        .addColumn("token_key", "text", (c) => c.primaryKey())
        .addColumn("secret_hash", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        // user | service | internal | notebook
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text")
        .addColumn("scopes", "text", (c) => c.notNull())
        .addColumn("service", "text")
        .addColumn("parent_key", "text", (c) => c.references("user_tokens.token_key").onDelete("cascade"))
        .addColumn("parent_session", "text", (c) => c.references("sessions.id_hash").onDelete("cascade"))
        // (parent, kind, service, scopes) of the child to reuse; cleared when a successor replaces it.
        .addColumn("delegation_key", "text", (c) => c.unique())
        .addColumn("created_by", "text")
        .addColumn("created_at", bigint, (c) => c.notNull())
        .addColumn("last_used_at", bigint)
        .addColumn("expires_at", bigint)
        .execute();
      await db.schema
        .createIndex("user_tokens_account_name")
        .on("user_tokens")
        .columns(["account_id", "name"])
        .unique()
        .execute();
      await db.schema.createIndex("user_tokens_parent").on("user_tokens").column("parent_key").execute();
      await db.schema
        .createIndex("user_tokens_parent_session")
        .on("user_tokens")
        .column("parent_session")
        .execute();
      await db.schema.createIndex("user_tokens_expires").on("user_tokens").column("expires_at").execute();

      await db.schema
        .createTable("token_history")
        .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
          dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        // No foreign keys: the history outlives the tokens and accounts it mentions.
        .addColumn("token_key", "text", (c) => c.notNull())
        .addColumn("account_id", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("actor", "text")
        .addColumn("old_values", "text")
        .addColumn("new_values", "text")
        .addColumn("ip", "text")
        .addColumn("at", bigint, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("token_history_account")
        .on("token_history")
        .columns(["account_id", "id"])
        .execute();
      await db.schema.createIndex("token_history_key").on("token_history").column("token_key").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("token_history").execute();
      await db.schema.dropTable("user_tokens").execute();
    },
  };
}
