import { type Kysely, sql } from "kysely";
import type { PasswordResetRepository } from "../../domain/login/password-reset.js";
import type { Database } from "../schema.js";
import { toAccount } from "./account-repository.js";

export function createPasswordResetRepository(db: Kysely<Database>): PasswordResetRepository {
  return {
    async create(r) {
      await db
        .insertInto("password_resets")
        .values({
          token_hash: r.tokenHash,
          account_id: r.accountId,
          created_at: r.createdAt,
          expires_at: r.expiresAt,
          used_at: null,
        })
        .execute();
    },
    async findLive(tokenHash, now) {
      const row = await db
        .selectFrom("password_resets")
        .select("account_id")
        .where("token_hash", "=", tokenHash)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .executeTakeFirst();
      return row?.account_id;
    },
    async consume(tokenHash, now) {
      // One conditional UPDATE: of two racing uses, exactly one changes the row.
      const updated = await db
        .updateTable("password_resets")
        .set({ used_at: now })
        .where("token_hash", "=", tokenHash)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .returning("account_id")
        .executeTakeFirst();
      return updated?.account_id;
    },
    async deleteForAccount(accountId) {
      await db.deleteFrom("password_resets").where("account_id", "=", accountId).execute();
    },
    async accountsByEmail(email, limit) {
      const rows = await db
        .selectFrom("accounts")
        .selectAll()
        .where(sql<string>`lower(email)`, "=", email.toLowerCase())
        .orderBy("username")
        .limit(limit)
        .execute();
      return rows.map(toAccount);
    },
  };
}
