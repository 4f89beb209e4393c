import type { Kysely, Selectable } from "kysely";
import { ConflictError } from "../../domain/errors.js";
import type { Identity, IdentityRepository } from "../../domain/federation/identity.js";
import type { Database, IdentitiesTable } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

function toIdentity(row: Selectable<IdentitiesTable>): Identity {
  return {
    id: row.id,
    accountId: row.account_id,
    provider: row.provider,
    subject: row.subject,
    email: row.email,
    username: row.username,
    createdAt: Number(row.created_at),
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
  };
}

export function createIdentityRepository(db: Kysely<Database>): IdentityRepository {
  return {
    async create(i) {
      try {
        await db
          .insertInto("identities")
          .values({
            id: i.id,
            account_id: i.accountId,
            provider: i.provider,
            subject: i.subject,
            email: i.email,
            username: i.username,
            created_at: i.createdAt,
            last_login_at: i.lastLoginAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("identity");
        throw error;
      }
    },
    async find(provider, subject) {
      const row = await db
        .selectFrom("identities")
        .selectAll()
        .where("provider", "=", provider)
        .where("subject", "=", subject)
        .executeTakeFirst();
      return row && toIdentity(row);
    },
    async findById(id) {
      const row = await db.selectFrom("identities").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toIdentity(row);
    },
    async listForAccount(accountId) {
      const rows = await db
        .selectFrom("identities")
        .selectAll()
        .where("account_id", "=", accountId)
        .orderBy("created_at")
        .orderBy("id")
        .execute();
      return rows.map(toIdentity);
    },
    async touch(id, at, seen) {
      await db
        .updateTable("identities")
        .set({ last_login_at: at, email: seen.email, username: seen.username })
        .where("id", "=", id)
        .execute();
    },
    async delete(id) {
      await db.deleteFrom("identities").where("id", "=", id).execute();
    },
  };
}
