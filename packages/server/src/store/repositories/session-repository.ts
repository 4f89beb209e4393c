import type { Kysely, Selectable } from "kysely";
import type { Session, SessionRepository } from "../../domain/sessions/session.js";
import type { Database } from "../schema.js";

const toSession = (row: Selectable<Database["sessions"]>): Session => ({
  idHash: row.id_hash,
  accountId: row.account_id,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  ip: row.ip,
  userAgent: row.user_agent,
});

export function createSessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    async create(s) {
      await db
        .insertInto("sessions")
        .values({
          id_hash: s.idHash,
          account_id: s.accountId,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
          ip: s.ip,
          user_agent: s.userAgent,
        })
        .execute();
    },
    async find(idHash) {
      const row = await db
        .selectFrom("sessions")
        .selectAll()
        .where("id_hash", "=", idHash)
        .executeTakeFirst();
      return row && toSession(row);
    },
    async touch(idHash, lastSeenAt) {
      await db
        .updateTable("sessions")
        .set({ last_seen_at: lastSeenAt })
        .where("id_hash", "=", idHash)
        .execute();
    },
    async delete(idHash) {
      await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    },
    async deleteForAccount(accountId) {
      await db.deleteFrom("sessions").where("account_id", "=", accountId).execute();
    },
    async listForAccount(accountId) {
      const rows = await db
        .selectFrom("sessions")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("last_seen_at", "desc")
        .orderBy("id_hash")
        .execute();
      return rows.map(toSession);
    },
  };
}
