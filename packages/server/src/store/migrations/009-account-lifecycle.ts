import type { Kysely } from "kysely";

/** Account end dates: an account past its end date is expired and may not log in or get tokens. */
export function accountLifecycle() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("accounts").addColumn("ends_at", "bigint").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("accounts").dropColumn("ends_at").execute();
    },
  };
}
