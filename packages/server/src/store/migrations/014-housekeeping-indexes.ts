import type { Kysely } from "kysely";

/**
 * Indexes for housekeeping (domain/maintenance/housekeeping.ts): each batch finds expired rows
 * by these columns, so a pass costs the rows it deletes, not a scan of the table.
 */
const INDEXES = [
  ["authorization_codes", "expires_at"],
  ["device_authorizations", "expires_at"],
  ["revoked_access_tokens", "expires_at"],
  ["one_time_ids", "expires_at"],
  ["password_resets", "expires_at"],
  ["sessions", "last_seen_at"],
  ["login_throttle", "last_failure_at"],
  ["token_history", "at"],
] as const;

export function housekeepingIndexes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [table, column] of INDEXES)
        await db.schema.createIndex(`${table}_${column}`).ifNotExists().on(table).column(column).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const [table, column] of INDEXES)
        await db.schema.dropIndex(`${table}_${column}`).ifExists().execute();
    },
  };
}
