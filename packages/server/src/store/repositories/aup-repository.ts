import type { Kysely } from "kysely";
import type { AupRepository } from "../../domain/aup/aup.js";
import { prepareQuery } from "../prepared-query.js";
import type { Database } from "../schema.js";

const CURRENT = "current";

export function createAupRepository(db: Kysely<Database>): AupRepository {
  // Read by every token issue while an AUP is set.
  const selectSignature = prepareQuery(db, (accountId: string) =>
    db.selectFrom("aup_signatures").select("signed_at").where("account_id", "=", accountId),
  );
  return {
    async get() {
      const row = await db.selectFrom("aup").selectAll().where("id", "=", CURRENT).executeTakeFirst();
      return (
        row && { text: row.text, url: row.url, validityDays: row.validity_days, updatedAt: row.updated_at }
      );
    },
    async put(aup) {
      const values = {
        text: aup.text,
        url: aup.url,
        validity_days: aup.validityDays,
        updated_at: aup.updatedAt,
      };
      await db
        .insertInto("aup")
        .values({ id: CURRENT, ...values })
        .onConflict((oc) => oc.column("id").doUpdateSet(values))
        .execute();
    },
    async remove() {
      await db.deleteFrom("aup").execute();
    },
    async signedAt(accountId) {
      const [row] = (await selectSignature(accountId)).rows;
      return row?.signed_at;
    },
    async sign(accountId, at) {
      await db
        .insertInto("aup_signatures")
        .values({ account_id: accountId, signed_at: at })
        .onConflict((oc) => oc.column("account_id").doUpdateSet({ signed_at: at }))
        .execute();
    },
  };
}
