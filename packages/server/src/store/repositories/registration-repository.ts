import type { Kysely, Selectable } from "kysely";
import { ConflictError } from "../../domain/errors.js";
import type {
  RegistrationRepository,
  RegistrationRow,
  RegistrationStatus,
} from "../../domain/registration/registration.js";
import type { Database, RegistrationsTable } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

const toRow = (r: Selectable<RegistrationsTable>): RegistrationRow => ({
  id: r.id,
  username: r.username,
  name: r.name,
  email: r.email,
  notes: r.notes,
  aupAcceptedAt: Number(r.aup_accepted_at),
  status: r.status as RegistrationStatus,
  emailConfirmedAt: r.email_confirmed_at === null ? null : Number(r.email_confirmed_at),
  accountId: r.account_id,
  decidedBy: r.decided_by,
  reason: r.reason,
  createdAt: Number(r.created_at),
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  passwordHash: r.password_hash,
  emailTokenHash: r.email_token_hash,
  emailTokenExpiresAt: Number(r.email_token_expires_at),
  ip: r.ip,
});

const COLUMNS = {
  status: "status",
  emailTokenHash: "email_token_hash",
  emailConfirmedAt: "email_confirmed_at",
  accountId: "account_id",
  decidedBy: "decided_by",
  reason: "reason",
  decidedAt: "decided_at",
  passwordHash: "password_hash",
} as const;

export function createRegistrationRepository(db: Kysely<Database>): RegistrationRepository {
  return {
    async create(r) {
      try {
        await db
          .insertInto("registrations")
          .values({
            id: r.id,
            username: r.username,
            name: r.name,
            email: r.email,
            notes: r.notes,
            password_hash: r.passwordHash,
            aup_accepted_at: r.aupAcceptedAt,
            status: r.status,
            email_token_hash: r.emailTokenHash,
            email_token_expires_at: r.emailTokenExpiresAt,
            email_confirmed_at: r.emailConfirmedAt,
            account_id: r.accountId,
            decided_by: r.decidedBy,
            reason: r.reason,
            ip: r.ip,
            created_at: r.createdAt,
            decided_at: r.decidedAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("username");
        throw error;
      }
    },
    async find(id) {
      const row = await db.selectFrom("registrations").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toRow(row);
    },
    async findByEmailToken(tokenHash) {
      const row = await db
        .selectFrom("registrations")
        .selectAll()
        .where("email_token_hash", "=", tokenHash)
        .executeTakeFirst();
      return row && toRow(row);
    },
    async list({ status, limit, before }) {
      let query = db
        .selectFrom("registrations")
        .selectAll()
        .orderBy("created_at", "desc")
        .orderBy("id")
        .limit(limit);
      if (status !== undefined) query = query.where("status", "=", status);
      if (before !== undefined) query = query.where("created_at", "<", before);
      return (await query.execute()).map((r) => {
        const {
          passwordHash: _p,
          emailTokenHash: _t,
          emailTokenExpiresAt: _e,
          ip: _i,
          ...registration
        } = toRow(r);
        return registration;
      });
    },
    async expireUnconfirmed(username, now) {
      await db
        .updateTable("registrations")
        .set({ status: "expired", email_token_hash: null, password_hash: null })
        .where("username", "=", username)
        .where("status", "=", "unconfirmed")
        .where("email_token_expires_at", "<=", now)
        .execute();
    },
    async transition(id, from, changes) {
      const set: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(changes))
        set[COLUMNS[key as keyof typeof COLUMNS]] = value ?? null;
      const result = await db
        .updateTable("registrations")
        .set(set)
        .where("id", "=", id)
        .where("status", "in", [...from])
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async administratorEmails() {
      const rows = await db
        .selectFrom("accounts")
        .select("email")
        .where("is_admin", "=", 1)
        .where("status", "=", "active")
        .orderBy("username")
        .limit(50)
        .execute();
      return [...new Set(rows.map((r) => r.email))];
    },
  };
}
