import type { Kysely } from "kysely";
import type { AuditRepository, AuditResult } from "../../domain/audit/audit-log.js";
import type { Database } from "../schema.js";

export function createAuditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async append(e) {
      await db
        .insertInto("audit_events")
        .values({
          at: e.at,
          account_id: e.accountId,
          username: e.username,
          event: e.event,
          method: e.method,
          result: e.result,
          reason: e.reason,
          ip: e.ip,
          user_agent: e.userAgent,
        })
        .execute();
    },
    async list({ accountId, event, before, limit }) {
      let query = db.selectFrom("audit_events").selectAll().orderBy("id", "desc").limit(limit);
      if (accountId !== undefined) query = query.where("account_id", "=", accountId);
      if (event !== undefined) query = query.where("event", "=", event);
      if (before !== undefined) query = query.where("id", "<", before);
      const rows = await query.execute();
      return rows.map((r) => ({
        id: Number(r.id),
        at: r.at,
        accountId: r.account_id,
        username: r.username,
        event: r.event,
        method: r.method,
        result: r.result as AuditResult,
        reason: r.reason,
        ip: r.ip,
        userAgent: r.user_agent,
      }));
    },
  };
}
