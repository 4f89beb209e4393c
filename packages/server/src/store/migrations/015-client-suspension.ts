import type { Kysely } from "kysely";

/** Suspended clients (INDIGO IAM #705): no authentication, no tokens, none of their tokens active. */
export function clientSuspension() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("clients").addColumn("suspended_at", "bigint").execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("clients").dropColumn("suspended_at").execute();
    },
  };
}
