import type { Kysely } from "kysely";

/**
 * Remembered consent (INDIGO IAM "approved sites"), trusted clients that skip the consent page,
 * and the post-logout redirect URIs of OpenID Connect RP-Initiated Logout 1.0.
 */
export function consentLogout() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("consents")
        .addColumn("account_id", "text", (c) => c.notNull().references("accounts.id").onDelete("cascade"))
        .addColumn("client_id", "text", (c) =>
          c.notNull().references("clients.client_id").onDelete("cascade"),
        )
        // The approved scopes, space-separated as in the protocol.
        .addColumn("scope", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("consents_pk", ["account_id", "client_id"])
        .execute();
      await db.schema.createIndex("consents_client").on("consents").column("client_id").execute();

      // One column per statement: SQLite adds a single column per ALTER TABLE.
      await db.schema
        .alterTable("clients")
        .addColumn("skip_consent", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable("clients")
        .addColumn("post_logout_redirect_uris", "text", (c) => c.notNull().defaultTo("[]"))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("clients").dropColumn("post_logout_redirect_uris").execute();
      await db.schema.alterTable("clients").dropColumn("skip_consent").execute();
      await db.schema.dropTable("consents").execute();
    },
  };
}
