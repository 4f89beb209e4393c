import { type Kysely, type Selectable, sql } from "kysely";
import type { AccountRepository, AccountStatus, AccountWithSecret } from "../../domain/accounts/account.js";
import { ConflictError } from "../../domain/errors.js";
import { prepareQuery } from "../prepared-query.js";
import type { AccountsTable, Database } from "../schema.js";
import { isUniqueViolation } from "../unique-violation.js";

/** An accounts row as the domain sees it; every query that reads accounts maps through here. */
export function toAccount(row: Selectable<AccountsTable>): AccountWithSecret {
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    email: row.email,
    status: row.status as AccountStatus,
    isAdmin: row.is_admin === 1,
    endsAt: row.ends_at,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createAccountRepository(db: Kysely<Database>): AccountRepository {
  // Every token issue and session check reads its account by id.
  const selectById = prepareQuery(db, (id: string) =>
    db.selectFrom("accounts").selectAll().where("id", "=", id),
  );
  return {
    async create(a) {
      try {
        await db
          .insertInto("accounts")
          .values({
            id: a.id,
            username: a.username,
            name: a.name,
            email: a.email,
            status: a.status,
            password_hash: a.passwordHash,
            is_admin: a.isAdmin ? 1 : 0,
            ends_at: a.endsAt ?? null,
            created_at: a.createdAt,
            updated_at: a.updatedAt,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError("username");
        throw error;
      }
    },
    async findById(id) {
      const [row] = (await selectById(id)).rows;
      return row && toAccount(row);
    },
    async findByUsername(username) {
      const row = await db
        .selectFrom("accounts")
        .selectAll()
        .where("username", "=", username)
        .executeTakeFirst();
      return row && toAccount(row);
    },
    async count() {
      const row = await db
        .selectFrom("accounts")
        .select((eb) => eb.fn.countAll<number | string>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async list({ limit, after, search }) {
      let query = db.selectFrom("accounts").selectAll().orderBy("username").limit(limit);
      if (after !== undefined) query = query.where("username", ">", after);
      if (search) {
        // Escaped, so that '%' and '_' typed by an administrator match themselves; lower() on both
        // sides because PostgreSQL's LIKE is case-sensitive and SQLite's is not.
        const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) =>
          eb.or(
            (["username", "name", "email"] as const).map(
              (column) => sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`,
            ),
          ),
        );
      }
      return (await query.execute()).map(toAccount);
    },
    async setPassword(id, passwordHash, at) {
      await db
        .updateTable("accounts")
        .set({ password_hash: passwordHash, updated_at: at })
        .where("id", "=", id)
        .execute();
    },
    async update(id, changes, at) {
      await db
        .updateTable("accounts")
        .set({
          ...(changes.name === undefined ? {} : { name: changes.name }),
          ...(changes.email === undefined ? {} : { email: changes.email }),
          ...(changes.isAdmin === undefined ? {} : { is_admin: changes.isAdmin ? 1 : 0 }),
          ...(changes.endsAt === undefined ? {} : { ends_at: changes.endsAt }),
          updated_at: at,
        })
        .where("id", "=", id)
        .execute();
    },
    async delete(id) {
      const result = await db.deleteFrom("accounts").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async setStatus(id, status, at) {
      await db.updateTable("accounts").set({ status, updated_at: at }).where("id", "=", id).execute();
    },
  };
}
