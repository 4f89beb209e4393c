import type { Kysely } from "kysely";
import type { TotpRepository } from "../../domain/totp/totp.js";
import type { Database } from "../schema.js";

export function createTotpRepository(db: Kysely<Database>): TotpRepository {
  return {
    async find(accountId) {
      const row = await db
        .selectFrom("totp_credentials")
        .selectAll()
        .where("account_id", "=", accountId)
        .executeTakeFirst();
      return (
        row && {
          accountId: row.account_id,
          secretSealed: row.secret_sealed,
          enabled: row.enabled === 1,
          lastStep: row.last_step === null ? null : Number(row.last_step),
          createdAt: row.created_at,
          enabledAt: row.enabled_at,
        }
      );
    },
    async putPending(accountId, secretSealed, at) {
      const result = await db
        .insertInto("totp_credentials")
        .values({ account_id: accountId, secret_sealed: secretSealed, enabled: 0, created_at: at })
        .onConflict((oc) =>
          oc
            .column("account_id")
            .doUpdateSet({ secret_sealed: secretSealed, created_at: at, last_step: null })
            .where("totp_credentials.enabled", "=", 0),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async enable(accountId, step, recoveryCodeHashes, at) {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("totp_credentials")
          .set({ enabled: 1, enabled_at: at, last_step: step })
          .where("account_id", "=", accountId)
          .where("enabled", "=", 0)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom("totp_recovery_codes").where("account_id", "=", accountId).execute();
        await trx
          .insertInto("totp_recovery_codes")
          .values(
            recoveryCodeHashes.map((hash) => ({ account_id: accountId, code_hash: hash, created_at: at })),
          )
          .execute();
        return true;
      });
    },
    async useStep(accountId, step) {
      const result = await db
        .updateTable("totp_credentials")
        .set({ last_step: step })
        .where("account_id", "=", accountId)
        .where("enabled", "=", 1)
        .where((eb) => eb.or([eb("last_step", "is", null), eb("last_step", "<", step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async useRecoveryCode(accountId, codeHash) {
      const result = await db
        .deleteFrom("totp_recovery_codes")
        .where("account_id", "=", accountId)
        .where("code_hash", "=", codeHash)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async replaceRecoveryCodes(accountId, codeHashes, at) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom("totp_recovery_codes").where("account_id", "=", accountId).execute();
        await trx
          .insertInto("totp_recovery_codes")
          .values(codeHashes.map((hash) => ({ account_id: accountId, code_hash: hash, created_at: at })))
          .execute();
      });
    },
    async countRecoveryCodes(accountId) {
      const row = await db
        .selectFrom("totp_recovery_codes")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("account_id", "=", accountId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async delete(accountId) {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom("totp_recovery_codes").where("account_id", "=", accountId).execute();
        const result = await trx
          .deleteFrom("totp_credentials")
          .where("account_id", "=", accountId)
          .executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      });
    },
  };
}
