import type { Kysely } from "kysely";

/** Registration access tokens expire (IAM #892). */
export function clientRegistration() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("clients").addColumn("registration_token_expires_at", "bigint").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("clients").dropColumn("registration_token_expires_at").execute();
    },
  };
}
